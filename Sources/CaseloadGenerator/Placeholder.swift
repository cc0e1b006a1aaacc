// The history generator: see the generator work.

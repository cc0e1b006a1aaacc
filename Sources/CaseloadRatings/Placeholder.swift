// Rating rules: see the ratings work.

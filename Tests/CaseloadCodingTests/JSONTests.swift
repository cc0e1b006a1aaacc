import CaseloadCoding
import Testing

@Suite struct JSONScanning {
    func validates(_ text: String) -> Bool {
        (try? JSONScanner.validateObject(Array(text.utf8))) != nil
    }

    @Test(arguments: [
        #"{}"#, #" { "a" : [1, -2.5e3, true, false, null, {"b": "c"}] } "#, #"{"s":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}"#,
        #"{"n":0,"m":-0,"x":1E-2}"#, #"{"ünïcode":"текст"}"#,
        #"{"long":"an ASCII string well over fifteen bytes","after":"ascii then é then \" escaped"}"#,
    ])
    func acceptsValidObjects(_ text: String) { #expect(validates(text)) }

    @Test(arguments: [
        "", "[]", "\"s\"", "{", #"{"a"}"#, #"{"a":}"#, #"{"a":1,}"#, #"{,"a":1}"#, #"{"a":1 "b":2}"#, #"{'a':1}"#,
        #"{"a":01}"#, #"{"a":1.}"#, #"{"a":.5}"#, #"{"a":+1}"#, #"{"a":tru}"#, #"{"a":"\x"}"#, #"{"a":"\ud83d"}"#,
        "{\"a\":\"tab\there\"}", #"{"a":1} {}"#, #"{"a":NaN}"#, #"{"a":"unterminated"#, #"{"a":"long ascii, then \q"}"#,
    ])
    func refusesInvalidText(_ text: String) { #expect(!validates(text)) }

    @Test func refusesInvalidUTF8InStrings() {
        #expect(throws: JSONError.self) { try JSONScanner.validateObject([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D]) }
    }

    @Test func readsTypedValuesInOrderAndNamesTheOffsetOfAnError() throws {
        let bytes = Array(#"{"id":"c1","n":-42,"ok":true,"none":null,"list":["x","y"]}"#.utf8)
        let (id, n, ok, none, list) = try JSONScanner.withScanner(bytes) { scanner in
            var object = try scanner.beginObject()
            var values: (String, Int64, Bool, Bool, [String]) = ("", 0, false, false, [])
            while let key = try scanner.nextKey(&object) {
                switch key {
                case "id": values.0 = try scanner.readString()
                case "n": values.1 = try scanner.readInt()
                case "ok": values.2 = try scanner.readBool()
                case "none": values.3 = try scanner.readNull()
                case "list":
                    var array = try scanner.beginArray()
                    while try scanner.nextElement(&array) { values.4.append(try scanner.readString()) }
                default: Issue.record("unexpected key \(key)")
                }
            }
            try scanner.finish()
            return values
        }
        #expect(id == "c1" && n == -42 && ok && none && list == ["x", "y"])
        let error = #expect(throws: JSONError.self) {
            try JSONScanner.withScanner(Array(#"{"n":1.5}"#.utf8)) { scanner in
                var object = try scanner.beginObject()
                _ = try scanner.nextKey(&object)
                return try scanner.readInt()
            }
        }
        #expect(error?.offset == 5)
        #expect(error?.message.contains("fractional") == true)
    }
}

@Suite struct JSONWriting {
    @Test func writesCompactJSONWithCommasEscapesAndNulls() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("a"); writer.string("quote \" slash \\ newline \n control \u{01}")
        writer.key("b"); writer.beginArray(); writer.int(-7); writer.int(0); writer.bool(true); writer.null(); writer.endArray()
        writer.key("c"); writer.double(2.5)
        writer.key("d"); writer.double(.nan)
        writer.key("e"); writer.beginObject(); writer.endObject()
        writer.endObject()
        #expect(writer.text == #"{"a":"quote \" slash \\ newline \n control \u0001","b":[-7,0,true,null],"c":2.5,"d":null,"e":{}}"#)
        #expect((try? JSONScanner.validateObject(writer.bytes)) != nil)
    }

    @Test func int64ExtremesRoundTrip() throws {
        for value in [Int64.min, Int64.max, -1, 1_000_000_007] {
            var writer = JSONWriter()
            writer.beginObject(); writer.key("v"); writer.int(value); writer.endObject()
            let read = try JSONScanner.withScanner(writer.bytes) { scanner in
                var object = try scanner.beginObject()
                _ = try scanner.nextKey(&object)
                return try scanner.readInt()
            }
            #expect(read == value)
        }
    }
}

import Foundation
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

/// The allocation-free readers: keys as bytes, strings scanned eight bytes
/// at a time, string bytes without a `String`.
@Suite struct JSONScanningInPlace {
    /// `{"k":<value>}` read with `body` positioned at the value.
    func readValue<R>(_ value: [UInt8], _ body: (inout JSONScanner) throws -> R) throws -> R {
        try JSONScanner.withScanner(Array(#"{"k":"#.utf8) + value + [UInt8(ascii: "}")]) { scanner in
            var object = try scanner.beginObject()
            _ = try scanner.nextKey(&object)
            return try body(&scanner)
        }
    }

    func quoted(_ text: String) -> [UInt8] { [0x22] + Array(text.utf8) + [0x22] }

    @Test func rawKeysMatchLiteralsWithOrWithoutWhitespaceOrEscapes() throws {
        let text = #"{"caseId":"c","price" : 1 , "sessionId":"s","scheduled\u0053tart":"t","ünï":2,"longer-than-eight-bytes":3}"#
        let keys = try JSONScanner.withScanner(Array(text.utf8)) { scanner in
            var object = try scanner.beginObject()
            var seen: [String] = []
            while let key = try scanner.nextRawKey(&object) {
                switch key {
                case "caseId", "sessionId":
                    seen.append("id:" + key.string)
                    _ = try scanner.readString()
                case "price":
                    seen.append("price")
                    _ = try scanner.readInt()
                case "scheduledStart":
                    seen.append("start:" + key.string)
                    _ = try scanner.readString()
                case "ünï":
                    seen.append("unicode:" + key.string)
                    _ = try scanner.readInt()
                default:
                    seen.append("other:" + key.string)
                    try scanner.skipValue()
                }
            }
            try scanner.finish()
            return seen
        }
        #expect(keys == [
            "id:caseId", "price", "id:sessionId", "start:scheduledStart", "unicode:ünï", "other:longer-than-eight-bytes",
        ])
        // A key never equals a literal that is a prefix or an extension of it.
        try JSONScanner.withScanner(Array(#"{"caseIdX":1}"#.utf8)) { scanner in
            var object = try scanner.beginObject()
            let key = try #require(try scanner.nextRawKey(&object))
            #expect(!(key == "caseId") && !(key == "caseIdXY") && key == "caseIdX")
        }
    }

    @Test(arguments: [
        #"{"a":1 "b":2}"#, #"{,"a":1}"#, #"{"a":1,}"#, #"{"a" 1}"#, #"{"a":1"#, #"{"a\x":1}"#, "{\"a\u{01}\":1}",
        #"{"a"#, "{", #"{1:2}"#,
    ])
    func rawKeysFailWhereKeysFail(_ text: String) {
        func errorReading(raw: Bool) -> JSONError? {
            do {
                try JSONScanner.withScanner(Array(text.utf8)) { scanner in
                    var object = try scanner.beginObject()
                    while raw ? try scanner.nextRawKey(&object) != nil : try scanner.nextKey(&object) != nil {
                        _ = try scanner.readInt()
                    }
                }
                return nil
            } catch {
                return error as? JSONError
            }
        }
        let expected = errorReading(raw: false)
        #expect(expected != nil)
        #expect(errorReading(raw: true) == expected)
    }

    @Test func keysWithInvalidUTF8Fail() {
        #expect(throws: JSONError.self) {
            try JSONScanner.withScanner([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]) { scanner in
                var object = try scanner.beginObject()
                _ = try scanner.nextRawKey(&object)
            }
        }
    }

    /// Every special byte (end quote, escape, control character, non-ASCII,
    /// invalid UTF-8) at every offset against the eight-byte words.
    @Test func stringsReadTheSameWhereverTheSpecialByteFalls() throws {
        let escapes: [(json: String, text: String)] = [(#"\""#, "\""), (#"\\"#, "\\"), (#"\n"#, "\n"), (#"\u00e9"#, "é")]
        for length in 0...20 {
            let plain = String(repeating: "x", count: length)
            #expect(try readValue(quoted(plain)) { try $0.readString() } == plain)
            #expect(try readValue(quoted(plain)) { try $0.readStringBytes { Array($0) } } == Array(plain.utf8))
            for offset in 0...length {
                let prefix = String(repeating: "a", count: offset), suffix = String(repeating: "b", count: length - offset)
                for escape in escapes {
                    let json = quoted(prefix + escape.json + suffix), text = prefix + escape.text + suffix
                    #expect(try readValue(json) { try $0.readString() } == text)
                    #expect(try readValue(json) { try $0.readStringBytes { String(decoding: $0, as: UTF8.self) } } == text)
                }
                for character in ["é", "€", "😀", "\u{7F}"] {
                    let text = prefix + character + suffix
                    #expect(try readValue(quoted(text)) { try $0.readString() } == text)
                    #expect(try readValue(quoted(text)) { try $0.readStringBytes { Array($0) } } == Array(text.utf8))
                }
                let control = [0x22] + Array(prefix.utf8) + [0x01] + Array(suffix.utf8) + [0x22]
                #expect(throws: JSONError.self) { try self.readValue(control) { try $0.readString() } }
                #expect(throws: JSONError.self) { try self.readValue(control) { try $0.readStringBytes { _ in 0 } } }
                let invalid = [0x22] + Array(prefix.utf8) + [0xC3, 0x28] + Array(suffix.utf8) + [0x22]
                #expect(throws: JSONError.self) { try self.readValue(invalid) { try $0.readString() } }
                #expect(throws: JSONError.self) { try self.readValue(invalid) { try $0.readStringBytes { _ in 0 } } }
            }
            let unterminated = Array(#"{"k":""#.utf8) + Array(plain.utf8)
            for bytesOnly in [false, true] {
                let error = #expect(throws: JSONError.self) {
                    try JSONScanner.withScanner(unterminated) { scanner in
                        var object = try scanner.beginObject()
                        _ = try scanner.nextKey(&object)
                        if bytesOnly { _ = try scanner.readStringBytes { _ in 0 } } else { _ = try scanner.readString() }
                    }
                }
                #expect(error?.message == "unterminated string")
                #expect(error?.offset == 5)
            }
        }
    }

    @Test func theBytesReaderRefusesWhatIsNotAString() {
        let error = #expect(throws: JSONError.self) { try self.readValue(Array("12".utf8)) { try $0.readStringBytes { _ in 0 } } }
        #expect(error?.message == "expected a string")
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

    /// The writers that work in place (the feed's and the log's hot path)
    /// write exactly what the string forms would: escapes at the start, the
    /// end and side by side, every UUID digit, times in every form.
    @Test func inPlaceWritersMatchTheStringForms() throws {
        for text in ["", "plain", "\"", "\\\"\n", "\u{1F}x\u{00}", "end\\", "ünïcödé \t tab", String(repeating: "a\"", count: 300)] {
            var fast = JSONWriter()
            fast.string(text)
            var expected = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": expected += "\\\""
                case "\\": expected += "\\\\"
                case "\n": expected += "\\n"
                case "\r": expected += "\\r"
                case "\t": expected += "\\t"
                case _ where scalar.value < 0x20: expected += String(format: "\\u%04x", scalar.value)
                default: expected.unicodeScalars.append(scalar)
                }
            }
            expected += "\""
            #expect(fast.text == expected)
        }
        for _ in 0..<50 {
            let id = UUID()
            var writer = JSONWriter()
            writer.uuid(id)
            #expect(writer.text == "\"\(id.uuidString.lowercased())\"")
        }
        let times: [Int64] = [0, 1, 999, 1_000, 1_700_000_000_123_000, 1_700_000_000_123_456, -1, Int64.min, Int64.max, 253_402_300_799_999_999]
        for micros in times {
            let time = Timestamp(microsecondsSinceEpoch: micros)
            var writer = JSONWriter()
            writer.timestamp(time)
            #expect(writer.text == "\"\(time.iso8601)\"")
        }
        var hex = JSONWriter()
        [UInt8]([0x00, 0x0f, 0xa0, 0xff]).withUnsafeBytes { hex.hexString($0) }
        #expect(hex.text == "\"000fa0ff\"")
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

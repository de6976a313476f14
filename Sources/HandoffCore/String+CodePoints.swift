extension StringProtocol {
    /// A text's length as the API's limits count it: Unicode code points, the
    /// "characters" of JSON Schema's `maxLength` in openapi.yaml. `count` counts
    /// grapheme clusters instead, and one of those can carry any number of
    /// combining marks: 200 of them could be thousands of code points.
    var codePointCount: Int { unicodeScalars.count }
}

/// Splits a migration file into its statements. postgres-nio speaks only the
/// extended protocol, which takes one statement at a time, so `;` must be
/// found outside strings, quoted identifiers, dollar quotes and comments.
public enum SQLStatementSplitter {
    public static func split(_ sql: String) -> [String] {
        let chars = Array(sql.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0

        func flush() {
            let text = String(current).trimmingWhitespace()
            if !isOnlyComments(text) { statements.append(text) }
            current = String.UnicodeScalarView()
        }
        func peek(_ offset: Int) -> Unicode.Scalar? {
            index + offset < chars.count ? chars[index + offset] : nil
        }
        func copy(until end: (Int) -> Bool) {
            while index < chars.count, !end(index) {
                current.append(chars[index])
                index += 1
            }
        }

        while index < chars.count {
            let c = chars[index]
            if c == "-" && peek(1) == "-" {
                copy { chars[$0] == "\n" }
            } else if c == "/" && peek(1) == "*" {
                current.append(c); current.append("*"); index += 2
                copy { $0 + 1 < chars.count && chars[$0] == "*" && chars[$0 + 1] == "/" }
                if index < chars.count { current.append("*"); current.append("/"); index += 2 }
            } else if c == "'" || c == "\"" {
                current.append(c); index += 1
                // A doubled quote is an escaped quote and stays inside.
                while index < chars.count {
                    let d = chars[index]
                    current.append(d); index += 1
                    if d == c {
                        if peek(0) == c { current.append(c); index += 1 } else { break }
                    }
                }
            } else if c == "$", let tag = dollarTag(chars, at: index) {
                current.append(contentsOf: tag.unicodeScalars); index += tag.unicodeScalars.count
                let tagScalars = Array(tag.unicodeScalars)
                copy { start in
                    start + tagScalars.count <= chars.count && Array(chars[start..<start + tagScalars.count]) == tagScalars
                }
                if index < chars.count { current.append(contentsOf: tag.unicodeScalars); index += tagScalars.count }
            } else if c == ";" {
                index += 1
                flush()
            } else {
                current.append(c); index += 1
            }
        }
        flush()
        return statements
    }

    /// `$$` or `$tag$` starting at `start`, or nil when the `$` is a parameter like `$1`.
    private static func dollarTag(_ chars: [Unicode.Scalar], at start: Int) -> String? {
        var end = start + 1
        while end < chars.count, chars[end] == "_" || chars[end].properties.isAlphabetic || (end > start + 1 && ("0"..."9").contains(chars[end])) {
            end += 1
        }
        guard end < chars.count, chars[end] == "$" else { return nil }
        return String(String.UnicodeScalarView(chars[start...end]))
    }

    private static func isOnlyComments(_ text: String) -> Bool {
        text.split(separator: "\n").allSatisfy { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty || trimmed.hasPrefix("--")
        }
    }
}

import Foundation

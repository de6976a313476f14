/// A message as the DATA command carries it (RFC 5321 4.5.2): every line end
/// CRLF, a `.` doubled at the start of a line so a line holding a lone `.`
/// cannot end the message early, and `.` CRLF as the terminator.
enum SMTPDataEncoding {
    static func encode(_ message: [UInt8]) -> [UInt8] {
        let cr = UInt8(ascii: "\r")
        let lf = UInt8(ascii: "\n")
        let dot = UInt8(ascii: ".")
        var output: [UInt8] = []
        output.reserveCapacity(message.count + message.count / 50 + 5)
        var atLineStart = true
        var index = 0
        while index < message.count {
            let byte = message[index]
            if byte == cr || byte == lf {
                // CRLF, a bare LF and a bare CR all end a line.
                output += [cr, lf]
                if byte == cr, index + 1 < message.count, message[index + 1] == lf { index += 1 }
                atLineStart = true
            } else {
                if atLineStart, byte == dot { output.append(dot) }
                output.append(byte)
                atLineStart = false
            }
            index += 1
        }
        if !atLineStart || output.isEmpty { output += [cr, lf] }
        output += [dot, cr, lf]
        return output
    }
}

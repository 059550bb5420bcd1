/// A small ZIP reader (stored and deflated entries, ZIP64 sizes) with its own
/// inflate, enough to take `word/document.xml` out of a .docx without any
/// outside program. Every offset and length is checked: a damaged archive is
/// an error, never a trap.
struct ZipArchive {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    struct Entry {
        var name: String
        var method: Int
        var flags: Int
        var crc: UInt32
        var compressedSize: Int
        var size: Int
        var localOffset: Int
    }

    let bytes: [UInt8]
    private(set) var entries: [Entry] = []
    /// Largest entry it will inflate: a .docx's text is far smaller, a ZIP bomb is not.
    static let maxEntrySize = 256 << 20

    init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        try readDirectory()
    }

    func u16(_ at: Int) throws -> Int {
        guard at >= 0, at + 2 <= bytes.count else { throw Failure("the archive is cut short") }
        return Int(bytes[at]) | Int(bytes[at + 1]) << 8
    }

    func u32(_ at: Int) throws -> Int {
        guard at >= 0, at + 4 <= bytes.count else { throw Failure("the archive is cut short") }
        return Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
    }

    func u64(_ at: Int) throws -> Int {
        let low = try u32(at), high = try u32(at + 4)
        guard high < 0x1_0000 else { throw Failure("a size in the archive is out of range") }
        return low | high << 32
    }

    private mutating func readDirectory() throws {
        // The end-of-central-directory record: the last 22 bytes, before a comment of up to 64 KB.
        guard bytes.count >= 22 else { throw Failure("too short to be a ZIP archive") }
        var eocd = -1
        var i = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while i >= lowest {
            if bytes[i] == 0x50 && bytes[i + 1] == 0x4B && bytes[i + 2] == 0x05 && bytes[i + 3] == 0x06 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw Failure("no ZIP central directory (the file is cut short or not an archive)") }
        var count = try u16(eocd + 10)
        var offset = try u32(eocd + 16)
        if (offset == 0xFFFF_FFFF || count == 0xFFFF) && eocd >= 20, try u32(eocd - 20) == 0x0706_4B50 {
            let record = try u64(eocd - 20 + 8)
            guard try u32(record) == 0x0606_4B50 else { throw Failure("a damaged ZIP64 directory") }
            count = try u64(record + 32)
            offset = try u64(record + 48)
        }
        var at = offset
        for _ in 0..<min(count, 1_000_000) {
            guard try u32(at) == 0x0201_4B50 else { throw Failure("a damaged central directory entry") }
            let flags = try u16(at + 8)
            let method = try u16(at + 10)
            let crc = UInt32(try u32(at + 16))
            var compressed = try u32(at + 20)
            var size = try u32(at + 24)
            let nameLength = try u16(at + 28), extraLength = try u16(at + 30), commentLength = try u16(at + 32)
            var local = try u32(at + 42)
            guard at + 46 + nameLength <= bytes.count else { throw Failure("the archive is cut short") }
            let name = String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            // ZIP64 extra field: the 8-byte values, in order, of the fields that overflowed.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = try u16(extra), length = try u16(extra + 2)
                if id == 0x0001 {
                    var field = extra + 4
                    if size == 0xFFFF_FFFF { size = try u64(field); field += 8 }
                    if compressed == 0xFFFF_FFFF { compressed = try u64(field); field += 8 }
                    if local == 0xFFFF_FFFF { local = try u64(field) }
                }
                extra += 4 + length
            }
            entries.append(Entry(name: name, method: method, flags: flags, crc: crc, compressedSize: compressed,
                                 size: size, localOffset: local))
            at = extraEnd + commentLength
        }
    }

    func entry(named name: String) -> Entry? {
        entries.first { $0.name == name } ?? entries.first { $0.name.lowercased() == name.lowercased() }
    }

    /// The uncompressed bytes of `entry`, checked against its CRC-32.
    func contents(of entry: Entry) throws -> [UInt8] {
        if entry.flags & 1 != 0 { throw Failure("'\(entry.name)' is encrypted") }
        guard entry.size <= Self.maxEntrySize else { throw Failure("'\(entry.name)' is larger than \(Self.maxEntrySize >> 20) MB") }
        let at = entry.localOffset
        guard try u32(at) == 0x0403_4B50 else { throw Failure("a damaged local header for '\(entry.name)'") }
        let start = at + 30 + (try u16(at + 26)) + (try u16(at + 28))
        guard start >= 0, entry.compressedSize >= 0, start + entry.compressedSize <= bytes.count else {
            throw Failure("'\(entry.name)' is cut short")
        }
        let data = bytes[start..<(start + entry.compressedSize)]
        let out: [UInt8]
        switch entry.method {
        case 0: out = Array(data)
        case 8: out = try Inflate.inflate(data, expectedSize: entry.size, limit: Self.maxEntrySize)
        default: throw Failure("'\(entry.name)' uses compression method \(entry.method), which gongkai does not read")
        }
        guard out.count == entry.size, CRC32.checksum(out) == entry.crc else {
            throw Failure("'\(entry.name)' does not match its checksum (the archive is damaged)")
        }
        return out
    }
}

/// DEFLATE (RFC 1951) decompression, after Mark Adler's `puff.c`: canonical
/// Huffman codes decoded bit by bit, every length and distance checked.
enum Inflate {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int]

        /// Builds the code from code lengths; false when the lengths over-subscribe.
        init?(_ lengths: ArraySlice<Int>) {
            symbols = [Int](repeating: 0, count: lengths.count)
            for l in lengths { counts[l] += 1 }
            if counts[0] == lengths.count { return }  // no codes: decoding will fail if used
            var left = 1
            for len in 1...15 {
                left <<= 1
                left -= counts[len]
                if left < 0 { return nil }
            }
            var offsets = [Int](repeating: 0, count: 16)
            for len in 1..<15 { offsets[len + 1] = offsets[len] + counts[len] }
            for (symbol, l) in lengths.enumerated() where l != 0 {
                symbols[offsets[l]] = symbol
                offsets[l] += 1
            }
        }
    }

    struct State {
        let input: ArraySlice<UInt8>
        var position: Int
        var bitBuffer = 0
        var bitCount = 0
        var output: [UInt8] = []
        let limit: Int

        init(_ input: ArraySlice<UInt8>, limit: Int) {
            self.input = input
            self.position = input.startIndex
            self.limit = limit
        }

        mutating func bits(_ need: Int) throws -> Int {
            var value = bitBuffer
            while bitCount < need {
                guard position < input.endIndex else { throw Failure(description: "compressed data cut short") }
                value |= Int(input[position]) << bitCount
                position += 1
                bitCount += 8
            }
            bitBuffer = value >> need
            bitCount -= need
            return value & ((1 << need) - 1)
        }

        mutating func decode(_ h: Huffman) throws -> Int {
            var code = 0, first = 0, index = 0
            for len in 1...15 {
                code |= try bits(1)
                let count = h.counts[len]
                if code - count < first { return h.symbols[index + (code - first)] }
                index += count
                first += count
                first <<= 1
                code <<= 1
            }
            throw Failure(description: "invalid Huffman code")
        }

        mutating func stored() throws {
            bitBuffer = 0
            bitCount = 0
            guard position + 4 <= input.endIndex else { throw Failure(description: "stored block cut short") }
            let length = Int(input[position]) | Int(input[position + 1]) << 8
            let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
            guard length == (~complement & 0xFFFF) else { throw Failure(description: "stored block length does not match its complement") }
            position += 4
            guard position + length <= input.endIndex else { throw Failure(description: "stored block cut short") }
            guard output.count + length <= limit else { throw Failure(description: "inflates past the size limit") }
            output.append(contentsOf: input[position..<(position + length)])
            position += length
        }

        static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
        static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
        static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
                                   2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
        static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

        mutating func codes(_ lengths: Huffman, _ distances: Huffman) throws {
            while true {
                let symbol = try decode(lengths)
                if symbol < 256 {
                    guard output.count < limit else { throw Failure(description: "inflates past the size limit") }
                    output.append(UInt8(symbol))
                } else if symbol == 256 {
                    return
                } else {
                    let s = symbol - 257
                    guard s < 29 else { throw Failure(description: "invalid length code") }
                    let length = Self.lengthBase[s] + (try bits(Self.lengthExtra[s]))
                    let d = try decode(distances)
                    guard d < 30 else { throw Failure(description: "invalid distance code") }
                    let distance = Self.distanceBase[d] + (try bits(Self.distanceExtra[d]))
                    guard distance <= output.count else { throw Failure(description: "distance too far back") }
                    guard output.count + length <= limit else { throw Failure(description: "inflates past the size limit") }
                    var from = output.count - distance
                    for _ in 0..<length {
                        output.append(output[from])
                        from += 1
                    }
                }
            }
        }

        static let fixedTables: (Huffman, Huffman) = {
            var lengths = [Int](repeating: 8, count: 288)
            for i in 144..<256 { lengths[i] = 9 }
            for i in 256..<280 { lengths[i] = 7 }
            return (Huffman(lengths[...])!, Huffman([Int](repeating: 5, count: 30)[...])!)
        }()

        static let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

        mutating func dynamic() throws {
            let nlen = try bits(5) + 257, ndist = try bits(5) + 1, ncode = try bits(4) + 4
            guard nlen <= 286, ndist <= 30 else { throw Failure(description: "bad dynamic block counts") }
            var lengths = [Int](repeating: 0, count: 320)
            for i in 0..<ncode { lengths[Self.order[i]] = try bits(3) }
            guard let lencode = Huffman(lengths[0..<19]) else { throw Failure(description: "bad code-length code") }
            var index = 0
            while index < nlen + ndist {
                var symbol = try decode(lencode)
                if symbol < 16 {
                    lengths[index] = symbol
                    index += 1
                } else {
                    var length = 0
                    if symbol == 16 {
                        guard index > 0 else { throw Failure(description: "repeat with no previous length") }
                        length = lengths[index - 1]
                        symbol = 3 + (try bits(2))
                    } else if symbol == 17 {
                        symbol = 3 + (try bits(3))
                    } else {
                        symbol = 11 + (try bits(7))
                    }
                    guard index + symbol <= nlen + ndist else { throw Failure(description: "too many lengths") }
                    for _ in 0..<symbol { lengths[index] = length; index += 1 }
                }
            }
            guard lengths[256] != 0 else { throw Failure(description: "no end-of-block code") }
            guard let l = Huffman(lengths[0..<nlen]), let d = Huffman(lengths[nlen..<(nlen + ndist)]) else {
                throw Failure(description: "bad literal/length or distance code")
            }
            try codes(l, d)
        }
    }

    static func inflate(_ data: ArraySlice<UInt8>, expectedSize: Int = 0, limit: Int) throws -> [UInt8] {
        var s = State(data, limit: limit)
        s.output.reserveCapacity(min(max(expectedSize, 0), limit))
        var last = 0
        repeat {
            last = try s.bits(1)
            switch try s.bits(2) {
            case 0: try s.stored()
            case 1: try s.codes(State.fixedTables.0, State.fixedTables.1)
            case 2: try s.dynamic()
            default: throw Failure(description: "invalid block type")
            }
        } while last == 0
        return s.output
    }
}

/// CRC-32 (IEEE 802.3, as ZIP uses it).
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

/// Cells whose digits were run together by a crawler (`640020470` is 64, 0, 0, 2,
/// 0, 4, 70). They are recovered with the table's own identities, and only where
/// those make the reading unique: a guess that happens to be right is still a defect.
enum DigitSplit {
    /// Every way to read `tokens` as exactly `count` whole numbers. A token is a run of
    /// digits whose ends are cell boundaries (a space was printed there); inside a token
    /// any digit boundary may be one, but no number has a leading zero.
    /// Nil when a token is not all digits or there are more than `limit` readings.
    static func splits(_ tokens: [String], count: Int, limit: Int = 200_000) -> [[Int64]]? {
        // A sign starts a number: `-18` in `2648 -18538` is the first number of its token.
        let negative = tokens.map { $0.hasPrefix("-") }
        let digits = tokens.map { Array($0.drop { $0 == "-" || $0 == "+" }.utf8) }
        guard !digits.isEmpty, digits.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }) else { return nil }
        let totalDigits = digits.reduce(0) { $0 + $1.count }
        guard count >= tokens.count, totalDigits >= count else { return [] }
        var out: [[Int64]] = []
        var current: [Int64] = []
        var overflow = false

        // Digits left from token t, position p onwards.
        var suffixDigits = [Int](repeating: 0, count: digits.count + 1)
        for t in stride(from: digits.count - 1, through: 0, by: -1) { suffixDigits[t] = suffixDigits[t + 1] + digits[t].count }

        // The fewest numbers the digits from token t, position p on can be read as (at most
        // 15 digits a number, a leading 0 a number of its own); the most is one per digit,
        // and every count between is possible. The walk goes only where `count` is reachable,
        // so it never explores dead ends: long runs of digits once took it minutes, even hours.
        var fewest = digits.map { [Int](repeating: 0, count: $0.count + 1) }
        fewest.append([0])
        for t in stride(from: digits.count - 1, through: 0, by: -1) {
            let token = digits[t]
            fewest[t][token.count] = fewest[t + 1][0]
            for p in stride(from: token.count - 1, through: 0, by: -1) {
                let longest = token[p] == 0x30 ? 1 : min(token.count - p, 15)
                var best = Int.max
                for length in 1...longest { best = min(best, 1 + fewest[t][p + length]) }
                fewest[t][p] = best
            }
        }

        func walk(_ t: Int, _ p: Int) {
            if overflow { return }
            if t == digits.count {
                if current.count == count {
                    out.append(current)
                    if out.count > limit { overflow = true }
                }
                return
            }
            let token = digits[t]
            let remainingCells = count - current.count
            let tokensLeftAfter = digits.count - t - 1
            guard remainingCells > tokensLeftAfter else { return }  // each later token needs a cell
            let digitsHere = token.count - p
            // Each remaining cell needs at least one digit.
            guard suffixDigits[t + 1] + digitsHere >= remainingCells else { return }
            guard remainingCells >= fewest[t][p] else { return }
            let maxLength = token[p] == 0x30 ? 1 : min(digitsHere, 15)
            for length in 1...maxLength {
                var v: Int64 = 0
                for i in p..<(p + length) { v = v * 10 + Int64(token[i] - 0x30) }
                if p == 0 && negative[t] { v = -v }
                current.append(v)
                if p + length == token.count { walk(t + 1, 0) } else { walk(t, p + length) }
                current.removeLast()
                if overflow { return }
            }
        }
        walk(0, 0)
        return overflow ? nil : out
    }

    /// Tokens cut at signs: `35-15` is `35` and `-15`; `2648-18538` is `2648` and `-18538`.
    static func signTokens(_ tokens: [String]) -> [String] {
        var out: [String] = []
        for t in tokens {
            var current = ""
            for c in t {
                if (c == "-" || c == "+") && !current.isEmpty {
                    out.append(current)
                    current = ""
                }
                current.append(c)
            }
            if !current.isEmpty { out.append(current) }
        }
        return out
    }

    /// A linear identity between cells: the sum of `left` equals the sum of `right`.
    struct Identity {
        var left: [String]
        var right: [String]
    }

    /// Cells still to be read: their ids in order, and the readings the digits allow.
    struct Unknown {
        var ids: [String]
        var candidates: [[Int64]]
    }

    /// What the identities leave of the unknown groups.
    struct Solution {
        /// The value every admissible reading gives a cell.
        var agreed: [String: Int64] = [:]
        /// Per unknown group, the readings still admissible (all of them when none
        /// satisfies the identities or there were too many to try).
        var readings: [[[Int64]]] = []
    }

    /// Which cells of the unknown groups every reading that satisfies the identities agrees on.
    /// - Parameters:
    ///   - known: cells already read (nil = blank; an identity with a blank term is not used).
    /// - Returns: the agreed value per cell id; cells on which the readings differ (or
    ///   when no reading satisfies the identities, or there are too many to try) are absent.
    static func solve(known: [String: Int64?], unknowns: [Unknown], identities: [Identity], limit: Int = 2_000_000) -> Solution {
        var solution = Solution()
        guard !unknowns.isEmpty else { return solution }
        // First each group alone: identities whose unknown terms all lie in one group
        // (a row's 总计) prune its readings before any combination is tried.
        var unknowns = unknowns
        let allUnknown = Set(unknowns.flatMap(\.ids))
        for i in unknowns.indices {
            let mine = Set(unknowns[i].ids)
            let local = identities.filter { idn in
                let terms = idn.left + idn.right
                return terms.contains(where: mine.contains) && !terms.contains { allUnknown.contains($0) && !mine.contains($0) }
            }
            guard !local.isEmpty else { continue }
            let ids = unknowns[i].ids
            unknowns[i].candidates = unknowns[i].candidates.filter { candidate in
                var values = known
                for (id, v) in zip(ids, candidate) { values[id] = v }
                return local.allSatisfy { idn in
                    var l: Int64 = 0, r: Int64 = 0
                    for id in idn.left { guard let v = values[id] ?? nil else { return true }; l = l &+ v }
                    for id in idn.right { guard let v = values[id] ?? nil else { return true }; r = r &+ v }
                    return l == r
                }
            }
        }
        solution.readings = unknowns.map(\.candidates)
        var product = 1
        for u in unknowns {
            product = product.multipliedReportingOverflow(by: max(1, u.candidates.count)).partialValue
            if product > limit || u.candidates.isEmpty { return solution }
        }
        var values: [String: Int64?] = known
        for u in unknowns { for id in u.ids { values[id] = .some(nil) } }
        // Identities that mention an unknown cell.
        let unknownIDs = Set(unknowns.flatMap(\.ids))
        let relevant = identities.filter { ($0.left + $0.right).contains(where: unknownIDs.contains) }
        // Each identity is checked at the first depth where all its unknown terms are set.
        var depthOf: [String: Int] = [:]
        for (d, u) in unknowns.enumerated() { for id in u.ids { depthOf[id] = d } }
        var checksAt = [[Identity]](repeating: [], count: unknowns.count)
        for identity in relevant {
            let d = (identity.left + identity.right).compactMap { depthOf[$0] }.max() ?? 0
            checksAt[d].append(identity)
        }
        var seen = [Set<[Int64]>](repeating: [], count: unknowns.count)
        var solutions = 0

        func holds(_ identity: Identity) -> Bool {
            var l: Int64 = 0, r: Int64 = 0
            for id in identity.left {
                guard let v = values[id] ?? nil else { return true }  // a blank term: not checked
                l = l &+ v
            }
            for id in identity.right {
                guard let v = values[id] ?? nil else { return true }
                r = r &+ v
            }
            return l == r
        }

        var chosen = [Int](repeating: 0, count: unknowns.count)
        func walk(_ d: Int) {
            if d == unknowns.count {
                solutions += 1
                for (i, u) in unknowns.enumerated() { seen[i].insert(u.candidates[chosen[i]]) }
                return
            }
            let u = unknowns[d]
            for (ci, candidate) in u.candidates.enumerated() {
                for (id, v) in zip(u.ids, candidate) { values[id] = v }
                if checksAt[d].allSatisfy(holds) {
                    chosen[d] = ci
                    walk(d + 1)
                }
            }
            for id in u.ids { values[id] = .some(nil) }
        }
        walk(0)
        guard solutions > 0 else { return solution }
        for (i, u) in unknowns.enumerated() {
            // Sorted, so the record lists readings in the same order on every run.
            let readings = seen[i].sorted { $0.lexicographicallyPrecedes($1) }
            solution.readings[i] = readings
            for (k, id) in u.ids.enumerated() {
                let first = readings[0][k]
                if readings.allSatisfy({ $0[k] == first }) { solution.agreed[id] = first }
            }
        }
        return solution
    }
}

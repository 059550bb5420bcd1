/// The administrative division an agency belongs to and the kind of department it
/// is, read from its name alone: `江苏省宿迁市沭阳县发展和改革局` is region
/// `江苏省宿迁市沭阳县`, kind `发展和改革局`. Inspectors compare one kind of
/// department across regions (every 工业和信息化局), so the kind is what stays
/// when the divisions are taken off the front.
///
/// The region is the run of division names at the start of the name, each a proper
/// name ending in a level: 省, 自治区, 市, 州/自治州, 盟, 地区, 县/自治县, 区, 旗.
/// A functional zone with a proper name (平潭综合实验区, 苏州工业园区, 浦东新区) is
/// a region of its own: its 管委会 governs it. A zone word with no proper name in
/// front (海东市工业园区管理委员会) belongs to the kind, so every city's
/// 工业园区管理委员会 compares with the others. Nothing is guessed: `海东工业园区`
/// is not read as 海东市, and a name with no division in front (`市科委`,
/// `国务院办公厅`) has an empty region.
public enum Region {
    /// The last character of a division name at each level (自治区 and 地区 end in 区, 自治州 in 州…).
    static let levels: Set<Character> = ["省", "市", "州", "盟", "县", "区", "旗"]
    /// Zone words, longest first; a token ending in one is a zone only with a proper name before it.
    static let zoneWords: [String] = [
        "高新技术产业开发区", "经济技术开发区", "综合实验区", "综合试验区", "经济开发区", "工业园区", "产业园区",
        "开发区", "高新区", "保税区", "示范区", "实验区", "试验区", "合作区", "自贸区", "管理区", "园区", "新区",
    ]
    /// Characters that start a department's name; no division name contains them.
    static let departmentCharacters: Set<Character> = [
        "局", "委", "厅", "办", "部", "院", "所", "站", "队", "处", "室", "馆", "司", "署", "校", "组",
    ]
    /// Words that make a token a department or a neighbourhood rather than a division.
    static let departmentWords = ["政府", "中心", "委员会", "协会", "街道", "社区", "公司", "集团"]
    /// Each department word's scalars: a token holds the word only if it holds all of them
    /// (tested first: the Foundation search that decides costs far more). The words are
    /// ideographs with no decomposition and a name is NFKC first, so nothing else can match.
    static let departmentWordScalars = departmentWords.map { $0.unicodeScalars.map(\.value) }
    static let autonomousScalars = "自治".unicodeScalars.map(\.value)
    /// Each zone word's character before its last (区): a token ending in the word has it just before its 区.
    static let zoneWordPenultimate = zoneWords.map { $0.unicodeScalars.dropLast().last!.value }
    /// Ordinary words ending in a level character.
    static let notDivisions: Set<String> = ["城市", "都市", "超市", "门市", "集市"]
    /// Division names are short; those of autonomous areas carry the peoples' names.
    static let maxNameLength = 12
    static let maxAutonomousNameLength = 18

    /// The region and the kind of department of an agency name (NFKC, spaces and
    /// punctuation removed). Either may be empty.
    public static func split(_ name: String) -> (region: String, kind: String) {
        let cleaned = name.precomposedStringWithCompatibilityMapping.withoutSpaces.filter { !Labels.punctuation.contains($0) }
        let chars = Array(cleaned)
        // Each character's scalar, 0 for a character of several scalars (never one of the words' ideographs).
        let scalars = chars.map { c -> UInt32 in
            let u = c.unicodeScalars
            return u.count == 1 ? u.first!.value : 0
        }
        var end = 0
        while let next = division(chars, scalars, from: end) { end = next }
        return (String(chars[..<end]), String(chars[end...]))
    }

    /// The kind as the comparison groups it: short forms written out (工信局 → 工业和信息化局).
    public static func kindKey(_ kind: String) -> String { Agencies.key(kind) }

    /// The end of the division name starting at `start`, or nil when none starts there.
    static func division(_ chars: [Character], _ scalars: [UInt32], from start: Int) -> Int? {
        var k = start + 1
        while k < chars.count, k - start <= maxAutonomousNameLength {
            let c = chars[k]
            if departmentCharacters.contains(c) { return nil }
            guard levels.contains(c) else { k += 1; continue }
            let name = chars[start..<k]  // the proper name before the level character
            let token = String(chars[start...k])
            // 苏州, 郑州, 广州: a one-character name before 州 is a city's own name, not the 州 level.
            if c == "州" && name.count < 2 { k += 1; continue }
            if notDivisions.contains(token) { return nil }
            let held = scalars[start...k]
            func mayHold(_ word: [UInt32]) -> Bool { word.allSatisfy(held.contains) }
            if departmentWords.indices.contains(where: { mayHold(departmentWordScalars[$0]) && token.contains(departmentWords[$0]) }) { return nil }
            let limit = mayHold(autonomousScalars) && token.contains("自治") ? maxAutonomousNameLength : maxNameLength
            if name.count > limit { return nil }
            if c == "区", let zone = zoneWords.indices.first(where: { k > start && scalars[k - 1] == zoneWordPenultimate[$0] && token.hasSuffix(zoneWords[$0]) }).map({ zoneWords[$0] }) {
                // 海东市工业园区: a zone word with no proper name is part of the kind.
                return token.count > zone.count ? k + 1 : nil
            }
            return k + 1
        }
        return nil
    }
}

import Testing
@testable import GongkaiCore

/// Region and kind of department from an agency's name.
@Suite struct RegionTests {
    @Test(arguments: [
        // Province, prefecture, county: the whole prefix is the region.
        ("江苏省宿迁市沭阳县发展和改革局", "江苏省宿迁市沭阳县", "发展和改革局"),
        ("海东市工业和信息化局", "海东市", "工业和信息化局"),
        ("上海市人民政府办公厅", "上海市", "人民政府办公厅"),
        ("沭阳县人民政府", "沭阳县", "人民政府"),
        // A department whose name starts with 市 stays whole.
        ("海东市市直机关事务管理局", "海东市", "市直机关事务管理局"),
        ("上海市市场监督管理局", "上海市", "市场监督管理局"),
        ("宿迁市城市管理局", "宿迁市", "城市管理局"),
        // Zones: with a proper name a region of their own, without one part of the kind.
        ("平潭综合实验区", "平潭综合实验区", ""),
        ("平潭综合实验区管委会", "平潭综合实验区", "管委会"),
        ("海东工业园区管理委员会", "海东工业园区", "管理委员会"),
        ("海东市工业园区管理委员会", "海东市", "工业园区管理委员会"),
        ("苏州工业园区管理委员会", "苏州工业园区", "管理委员会"),
        // 州 after a one-character name is a city's name; after a longer one, the 州 level.
        ("郑州市金水区教育局", "郑州市金水区", "教育局"),
        ("贵州省黔东南苗族侗族自治州凯里市人民政府", "贵州省黔东南苗族侗族自治州凯里市", "人民政府"),
        ("湖北省恩施州财政局", "湖北省恩施州", "财政局"),
        // Autonomous regions, leagues, banners, prefectures.
        ("内蒙古自治区锡林郭勒盟正蓝旗人民政府", "内蒙古自治区锡林郭勒盟正蓝旗", "人民政府"),
        ("西藏自治区阿里地区行政公署", "西藏自治区阿里地区", "行政公署"),
        ("济南市市中区人民政府", "济南市市中区", "人民政府"),
        // No division in front: no region, and nothing guessed.
        ("市科委", "", "市科委"),
        ("国务院办公厅", "", "国务院办公厅"),
        ("海东市公安局平安区分局", "海东市", "公安局平安区分局"),
        // Width, spaces and punctuation do not matter.
        ("海东市 工业和信息化局", "海东市", "工业和信息化局"),
        ("（平潭）综合实验区", "平潭综合实验区", ""),
        // A compatibility ideograph is its unified one (U+F96D is 省); a mark on 市 makes it another character.
        ("江苏\u{F96D}宿迁市教育局", "江苏省宿迁市", "教育局"),
        ("海东市\u{301}教育局", "", "海东市\u{301}教育局"),
    ])
    func split(name: String, region: String, kind: String) {
        let got = Region.split(name)
        #expect(got.region == region, "\(name)")
        #expect(got.kind == kind, "\(name)")
    }

    /// The split as first written: every word looked for in each token by Foundation's search.
    static func referenceSplit(_ name: String) -> (region: String, kind: String) {
        let chars = Array(name.precomposedStringWithCompatibilityMapping.withoutSpaces.filter { !Labels.punctuation.contains($0) })
        func division(from start: Int) -> Int? {
            var k = start + 1
            while k < chars.count, k - start <= Region.maxAutonomousNameLength {
                let c = chars[k]
                if Region.departmentCharacters.contains(c) { return nil }
                guard Region.levels.contains(c) else { k += 1; continue }
                let name = chars[start..<k]
                let token = String(chars[start...k])
                if c == "州" && name.count < 2 { k += 1; continue }
                if Region.notDivisions.contains(token) { return nil }
                if Region.departmentWords.contains(where: { token.contains($0) }) { return nil }
                let limit = token.contains("自治") ? Region.maxAutonomousNameLength : Region.maxNameLength
                if name.count > limit { return nil }
                if c == "区", let zone = Region.zoneWords.first(where: { token.hasSuffix($0) }) {
                    return token.count > zone.count ? k + 1 : nil
                }
                return k + 1
            }
            return nil
        }
        var end = 0
        while let next = division(from: end) { end = next }
        return (String(chars[..<end]), String(chars[end...]))
    }

    @Test func theSplitAgreesWithLookingForEveryWordInEveryToken() {
        // Pieces of names: divisions, zone and department words (some inside a would-be division),
        // 自治, a compatibility ideograph (U+F96D 省), a mark on a level character, Latin letters.
        let pieces = ["江苏省", "宿迁市", "沭阳县", "海东", "市", "工业园区", "高新技术产业开发区", "新区", "平潭综合实验区",
                      "政府", "人民政府", "中心", "委员会", "街道", "社区", "公司", "集团", "协会", "自治", "自治州", "黔东南苗族侗族",
                      "内蒙古自治区", "锡林郭勒盟", "正蓝旗", "阿里地区", "城市", "超市", "州", "郑", "区", "县", "\u{F96D}", "市\u{301}",
                      "区\u{301}", "教育局", "管委会", "发展和改革局", "A", "ab", "（", "）", " ", "办公室", "市场监督管理局"]
        var rng = SplitMix64(seed: 7)
        var names: [String] = []
        for _ in 0..<4000 {
            var n = ""
            for _ in 0..<Int(rng.next() % 7 + 1) { n += pieces[Int(rng.next() % UInt64(pieces.count))] }
            names.append(n)
        }
        var divided = 0
        for n in names {
            let got = Region.split(n), want = Self.referenceSplit(n)
            #expect(got.region == want.region && got.kind == want.kind, "\(n)")
            if !got.region.isEmpty { divided += 1 }
        }
        #expect(divided > 1000 && divided < 3900, "\(divided) of 4000 names have a region")
    }

    @Test func kindKeysWriteShortFormsOut() {
        #expect(Region.kindKey(Region.split("江苏省宿迁市沭阳县工信局").kind) == Region.kindKey(Region.split("海东市工业和信息化局").kind))
        #expect(Region.kindKey("管委会") == "管理委员会")
        #expect(Region.kindKey("工业信息化和商务局") != Region.kindKey("工业和信息化局"))
    }
}

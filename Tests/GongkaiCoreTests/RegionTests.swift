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
    ])
    func split(name: String, region: String, kind: String) {
        let got = Region.split(name)
        #expect(got.region == region, "\(name)")
        #expect(got.kind == kind, "\(name)")
    }

    @Test func kindKeysWriteShortFormsOut() {
        #expect(Region.kindKey(Region.split("江苏省宿迁市沭阳县工信局").kind) == Region.kindKey(Region.split("海东市工业和信息化局").kind))
        #expect(Region.kindKey("管委会") == "管理委员会")
        #expect(Region.kindKey("工业信息化和商务局") != Region.kindKey("工业和信息化局"))
    }
}

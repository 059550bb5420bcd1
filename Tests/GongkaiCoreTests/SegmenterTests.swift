import Testing
@testable import GongkaiCore

/// `Segmenter.cut` leaves most long lines whole after a look at their bytes
/// (`certainlyWhole`); the pieces must be those the scalar-by-scalar cut gives.
@Suite struct SegmenterTests {
    static let fragments = [
        "本机关坚持以习近平新时代中国特色社会主义思想为指导", "市委、市政府", "认真贯彻落实《条例》", "2021年", "予以公开",
        "行政许可", "第二十条第", "信息内容", "勾稽关系", "结果维持", "本年新收政府信息公开申请数量", "处理决定数量",
        "一、", "二、", "十、", "五、存在的主要问题及改进情况", "二、主动公开政府信息情况", "四、结转下年度继续办理",
        "(一)予以公开", "3.其他", " ", "\u{3000}", "\u{A0}", "123", "0", "其他", "规范性文件", "行政规范性文件", "、", "一",
    ]

    @Test func bytesTellTheSamePiecesAsScalars() {
        var rng = SplitMix64(seed: 5)
        var whole = 0, checked = 0
        for _ in 0..<4000 {
            var text = ""
            for _ in 0..<(3 + Int(rng.next() % 12)) { text += Self.fragments[Int(rng.next() % UInt64(Self.fragments.count))] }
            let fast = Segmenter.cut(text), slow = Segmenter.cutScalars(text)
            #expect(fast == slow, "\(text)")
            if Segmenter.certainlyWhole(text) { whole += 1 }
            checked += 1
        }
        // Both kinds were tried: lines the bytes settle and lines they leave to the scalars.
        #expect(whole > 200 && whole < checked - 200)
    }

    @Test func wholeOnlyWhenNothingCuts() {
        #expect(Segmenter.certainlyWhole("本机关坚持以习近平新时代中国特色社会主义思想为指导，市委、市政府高度重视"))
        #expect(!Segmenter.certainlyWhole("信息内容本年新制作数量第二十条第(一)项"))  // two markers
        #expect(!Segmenter.certainlyWhole("工作总结二、主动公开政府信息情况"))  // a numeral before 、
        #expect(!Segmenter.certainlyWhole("信息 内容"))  // a space: left to the scalars
        #expect(Segmenter.certainlyWhole("本年新收政府信息公开申请数量较上年有所增加，本年新收政府信息公开申请数量"))  // one marker, twice
        #expect(!Segmenter.certainlyWhole("结果维持处理决定数量"))  // two markers, end to end
        // A numeral before a final 、 is no heading, but the bytes leave it to the scalars.
        #expect(!Segmenter.certainlyWhole("工作总结三、"))
        #expect(Segmenter.cut("工作总结三、") == ["工作总结三、"])
    }
}

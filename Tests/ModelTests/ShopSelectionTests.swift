import BackstopModel
import Testing

/// `--shop` and `--partition` parsing: the values that are accepted, and errors that name the value.
@Suite struct ShopSelectionTests {
    @Test func oneIdAListOrAll() throws {
        #expect(try ShopSelection(parsing: "17008") == .ids([17008]))
        #expect(try ShopSelection(parsing: "17008").single == 17008)
        #expect(try ShopSelection(parsing: "17008, 71264,17008") == .ids([17008, 71264]))
        #expect(try ShopSelection(parsing: "17008,71264").single == nil)
        #expect(try ShopSelection(parsing: "ALL") == .all)
        #expect(try ShopSelection(parsing: "2147483647") == .ids([2_147_483_647]))
    }

    @Test(arguments: ["0", "-5", "2147483648", "abc", "", "17008,,71264", "17008;71264", "1e3"])
    func rejectsWhatIsNotAShopID(_ text: String) {
        #expect(throws: ShopSelection.Error.self) { try ShopSelection(parsing: text) }
        do {
            _ = try ShopSelection(parsing: text)
        } catch {
            #expect(error.description.hasPrefix("--shop \(text):"))
        }
    }

    @Test func partitions() throws {
        #expect(try FleetPartition(parsing: "2/3") == FleetPartition(parsing: "2/3"))
        #expect(try FleetPartition(parsing: "1/1").description == "1/1")
        for bad in ["0/3", "4/3", "3", "1/0", "a/b", "1/3/5", "-1/3", "1/5000"] {
            #expect(throws: ShopSelection.Error.self, "\(bad)") { try FleetPartition(parsing: bad) }
        }
    }
}

/// `[shops]` in backstop.toml: Bitrix sellers whose catalog shop has another id.
@Suite struct ShopMapTests {
    @Test func sellerIDsMapToCatalogShops() throws {
        var configuration = BackstopConfiguration()
        let document = try TOMLDocument(parsing: "[shops]\n71264 = 12\n\"559975\" = 13\n", file: "backstop.toml")
        try configuration.apply(document, file: "backstop.toml")
        #expect(configuration.shopMap == [71264: 12, 559975: 13])
        let bad = try TOMLDocument(parsing: "[shops]\nopt = 12\n", file: "backstop.toml")
        #expect(throws: BackstopConfiguration.Error.self) { try configuration.apply(bad, file: "backstop.toml") }
    }
}

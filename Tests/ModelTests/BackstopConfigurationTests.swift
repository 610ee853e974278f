import BackstopModel
import Foundation
import Testing

@Suite struct BackstopConfigurationTests {
    func writeTemporary(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("backstop-\(UUID().uuidString).toml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func defaultsAreTheUpstreamValues() throws {
        let configuration = try BackstopConfiguration.load(file: nil, environment: [:])
        #expect(configuration.shopID == 17008)
        #expect(configuration.bitrix.iblocks == [2, 27])
        #expect(configuration.bitrix.sellerProperty == 290)
        #expect(configuration.images.model == "vertex-multimodal-001")
        #expect(configuration.images.dimensions == 512)
        #expect(configuration.catalogConninfo == "")
        #expect(!configuration.hasConfiguredCatalog)
    }

    @Test func fileThenEnvironmentPrecedence() throws {
        let path = try writeTemporary(
            """
            [catalog]
            url = "host=file-host dbname=cvety"
            shop_id = 42
            [report]
            directory = "/var/lib/backstop/reports"
            """)
        let fromFile = try BackstopConfiguration.load(file: path, environment: [:])
        #expect(fromFile.catalogConninfo == "host=file-host dbname=cvety")
        #expect(fromFile.catalogSource.hasSuffix("catalog.url"))
        #expect(fromFile.shopID == 42)
        #expect(fromFile.report.directory == "/var/lib/backstop/reports")

        let withURL = try BackstopConfiguration.load(file: path, environment: ["DATABASE_URL": "postgresql://env/db"])
        #expect(withURL.catalogConninfo == "postgresql://env/db")
        #expect(withURL.catalogSource == "DATABASE_URL")

        // libpq's own variables replace the file's connection (libpq reads them itself).
        let withPG = try BackstopConfiguration.load(file: path, environment: ["PGHOST": "/tmp", "PGPORT": "5433"])
        #expect(withPG.catalogConninfo == "")
        #expect(withPG.catalogSource == "environment (PGHOST, PGPORT)")

        let explicit = try BackstopConfiguration.load(
            file: path,
            environment: [
                "BACKSTOP_CATALOG": "host=explicit", "DATABASE_URL": "postgresql://env/db", "BACKSTOP_SHOP_ID": "8",
            ])
        #expect(explicit.catalogConninfo == "host=explicit")
        #expect(explicit.shopID == 8)
    }

    @Test func unknownKeysAndWrongTypesNameTheFileAndKey() throws {
        let typo = try writeTemporary("[catalog]\nshopid = 1\n")
        #expect { try BackstopConfiguration.load(file: typo, environment: [:]) } throws: { error in
            "\(error)".contains("unknown key catalog.shopid") && "\(error)".contains(typo)
        }
        let wrongType = try writeTemporary("[catalog]\nshop_id = \"17008\"\n")
        #expect { try BackstopConfiguration.load(file: wrongType, environment: [:]) } throws: { error in
            "\(error)".contains("catalog.shop_id must be an integer")
        }
        #expect { try BackstopConfiguration.load(file: "/nonexistent/backstop.toml", environment: [:]) } throws: {
            error in
            "\(error)".contains("/nonexistent/backstop.toml")
        }
    }

    @Test func mergeSettingsAndPolicyOverridesReadFromTheFile() throws {
        let defaults = try BackstopConfiguration.load(file: nil, environment: [:])
        #expect(defaults.merge.maxSoftDeleteShare == 0.05 && defaults.merge.maxUpdateShare == 0.05)
        #expect(
            defaults.merge.batchSize == 5000
                && defaults.merge.workers == min(4, ProcessInfo.processInfo.activeProcessorCount)
                && defaults.merge.policy.isEmpty)
        let path = try writeTemporary(
            """
            [merge]
            max_soft_delete_share = 0.01
            max_update_share = 1
            batch_size = 250
            workers = 2
            sequence_headroom = 50_000
            [merge.policy]
            "product.field.width" = "bitrix"
            "order.status" = "report"
            """)
        let merge = try BackstopConfiguration.load(file: path, environment: [:]).merge
        #expect(merge.maxSoftDeleteShare == 0.01 && merge.maxUpdateShare == 1)
        #expect(merge.batchSize == 250 && merge.workers == 2 && merge.sequenceHeadroom == 50_000)
        #expect(merge.policy == ["product.field.width": "bitrix", "order.status": "report"])
        let outOfRange = try writeTemporary("[merge]\nmax_update_share = 5\n")
        #expect { try BackstopConfiguration.load(file: outOfRange, environment: [:]) } throws: { error in
            "\(error)".contains("merge.max_update_share must be a number between 0 and 1")
        }
        let zero = try writeTemporary("[merge]\nbatch_size = 0\n")
        #expect(throws: BackstopConfiguration.Error.self) {
            try BackstopConfiguration.load(file: zero, environment: [:])
        }
    }
}

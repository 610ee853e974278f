import Foundation

/// Assembles a complete dump in mariadb-dump's default flavour (MariaDB 10.11.19 client) from the per-table
/// bodies a ``BitrixRowWriter`` produced: header, then per table (alphabetical) the DROP/CREATE TABLE block as
/// MariaDB renders it and the LOCK TABLES / DISABLE KEYS / INSERTs / ENABLE KEYS / UNLOCK TABLES block, then the
/// footer with `-- Dump completed on …`.
struct DumpAssembler {
    /// The database name printed in the header.
    var database: String
    /// The instant printed in the footer (seconds since 1970, UTC).
    var completedAt: Int

    static let serverVersion = "10.11.19-MariaDB-0+deb12u1"

    func header() -> [UInt8] {
        var out: [UInt8] = []
        out.append(
            utf8: """
                /*M!999999\\- enable the sandbox mode */\u{20}
                -- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)
                --
                -- Host: localhost    Database: \(database)
                -- ------------------------------------------------------
                -- Server version\t\(Self.serverVersion)

                /*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
                /*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
                /*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
                /*!40101 SET NAMES utf8mb4 */;
                /*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
                /*!40103 SET TIME_ZONE='+00:00' */;
                /*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
                /*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
                /*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
                /*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;

                """)
        return out
    }

    func tableHead(_ table: BitrixTable, autoIncrement: Int?) -> [UInt8] {
        var ddl = table.renderedDDL
        if let autoIncrement {
            ddl = ddl.replacingOccurrences(
                of: ") ENGINE=InnoDB DEFAULT", with: ") ENGINE=InnoDB AUTO_INCREMENT=\(autoIncrement) DEFAULT")
        }
        var out: [UInt8] = []
        out.append(
            utf8: """

                --
                -- Table structure for table `\(table.name)`
                --

                DROP TABLE IF EXISTS `\(table.name)`;
                /*!40101 SET @saved_cs_client     = @@character_set_client */;
                /*!40101 SET character_set_client = utf8mb4 */;
                \(ddl)
                /*!40101 SET character_set_client = @saved_cs_client */;

                --
                -- Dumping data for table `\(table.name)`
                --

                LOCK TABLES `\(table.name)` WRITE;
                /*!40000 ALTER TABLE `\(table.name)` DISABLE KEYS */;

                """)
        return out
    }

    func tableTail(_ table: BitrixTable) -> [UInt8] {
        var out: [UInt8] = []
        out.append(utf8: "/*!40000 ALTER TABLE `\(table.name)` ENABLE KEYS */;\nUNLOCK TABLES;\n")
        return out
    }

    func footer() -> [UInt8] {
        var out: [UInt8] = []
        out.append(
            utf8: """
                /*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

                /*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
                /*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
                /*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
                /*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
                /*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
                /*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
                /*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

                -- Dump completed on\u{20}
                """)
        out.append(dateTime: completedAt)
        out.append(10)
        return out
    }

    /// Writes the dump to `url`, streaming each table body file in 4 MiB pieces; with `consumeBodies`, each
    /// body file is deleted once copied (at scale l the bodies are ~14 GB: the peak disk use drops from
    /// twice the dump to the dump plus the largest body).
    func write(
        to url: URL, bodies: [(table: BitrixTable, body: URL, rows: Int, maxID: Int)],
        consumeBodies: Bool = false
    ) throws -> Int {
        let out = try BufferedFile(url: url, flushThreshold: 4 << 20)
        out.buffer.append(contentsOf: header())
        for entry in bodies.sorted(by: { $0.table.rawValue < $1.table.rawValue }) {
            let ai = entry.table.hasAutoIncrement && entry.rows > 0 ? entry.maxID + 1 : nil
            out.buffer.append(contentsOf: tableHead(entry.table, autoIncrement: ai))
            try out.flush()
            guard let input = FileHandle(forReadingAtPath: entry.body.path) else {
                throw WorldGenError(.io, "cannot read \(entry.body.path)")
            }
            while true {
                let chunk = try input.read(upToCount: 4 << 20) ?? Data()
                if chunk.isEmpty { break }
                out.buffer.append(contentsOf: chunk)
                try out.flush()
            }
            try input.close()
            if consumeBodies { try? FileManager.default.removeItem(at: entry.body) }
            out.buffer.append(contentsOf: tableTail(entry.table))
        }
        out.buffer.append(contentsOf: footer())
        try out.close()
        return out.bytesWritten
    }
}

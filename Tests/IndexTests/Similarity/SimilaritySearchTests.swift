@testable import BackstopIndex
import BackstopModel
import Testing

/// The tiled, symmetric search agrees with a brute-force double loop.
@Suite struct SimilaritySearchTests {
    func randomMatrix(_ count: Int, _ dimensions: Int, seed: UInt64) -> VectorMatrix {
        var random = SplitMix64(seed: seed)
        var matrix = VectorMatrix(dimensions: dimensions)
        for _ in 0..<count {
            matrix.append((0..<dimensions).map { _ in Float(Double(random.next() % 2_000_001) / 1_000_000 - 1) })
        }
        matrix.normalizeRows()
        return matrix
    }

    func dot(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    @Test(arguments: [(1, 7), (37, 16), (300, 64)], [5, 64])
    func selfJoinMatchesBruteForce(size: (count: Int, dimensions: Int), tile: Int) {
        let matrix = randomMatrix(size.count, size.dimensions, seed: UInt64(size.count))
        let k = 4
        let threshold: Float = 0.25
        let result = SimilaritySearch.selfJoin(matrix, k: k, threshold: threshold, tile: tile)
        var expectedPairs: [ScoredPair] = []
        for i in 0..<matrix.count {
            var scores: [(Int, Float)] = []
            for j in 0..<matrix.count where j != i {
                let score = dot(matrix[i], matrix[j])
                scores.append((j, score))
                if j > i && score >= threshold { expectedPairs.append(ScoredPair(first: i, second: j, score: score)) }
            }
            scores.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            let got = result.neighbors[i]
            #expect(got.count == min(k, matrix.count - 1))
            for (rank, neighbor) in got.enumerated() {
                #expect(abs(neighbor.score - scores[rank].1) < 1e-4, "row \(i) rank \(rank)")
            }
        }
        #expect(result.pairs.map { [$0.first, $0.second] } == expectedPairs.map { [$0.first, $0.second] })
    }

    @Test func searchOfChangedRowsEqualsTheirRowsOfTheSelfJoin() {
        let matrix = randomMatrix(500, 32, seed: 9)
        let all = SimilaritySearch.selfJoin(matrix, k: 10, threshold: 0.4, tile: 128)
        let changed = [3, 77, 250, 499]
        var queries = VectorMatrix(dimensions: 32)
        for row in changed { queries.append(Array(matrix[row])) }
        let part = SimilaritySearch.search(
            queries: queries, database: matrix, k: 10, threshold: 0.4, selfIndex: changed, tile: 100)
        for (q, row) in changed.enumerated() {
            #expect(part.neighbors[q].map(\.index) == all.neighbors[row].map(\.index))
        }
        let expected = all.pairs.filter { changed.contains($0.first) || changed.contains($0.second) }.count
        #expect(part.pairs.count == expected)
    }

    /// Exact copies tie (near-duplicate images do): the kept neighbours are the best by (score, then lower
    /// index) whichever worker saw them first, so every thread count gives the same lists and pairs.
    @Test(arguments: [1, 2, 3, 5])
    func tiesResolveByIndexWhateverTheWorkers(threads: Int) {
        let distinct = randomMatrix(12, 24, seed: 11)
        var matrix = VectorMatrix(dimensions: 24)
        for copy in 0..<180 { matrix.append(Array(distinct[copy % 12])) }  // 15 copies of each vector
        let reference = SimilaritySearch.selfJoin(matrix, k: 6, threshold: 0.999, tile: 32, threads: 1)
        let result = SimilaritySearch.selfJoin(matrix, k: 6, threshold: 0.999, tile: 32, threads: threads)
        #expect(result.neighbors == reference.neighbors)
        #expect(result.pairs == reference.pairs)
        for (row, neighbors) in result.neighbors.enumerated() {
            #expect(neighbors.count == 6)
            #expect(neighbors.allSatisfy { $0.index % 12 == row % 12 && $0.index != row && $0.score > 0.9999 })
            for (a, b) in zip(neighbors, neighbors.dropFirst()) {
                #expect(a.score > b.score || (a.score == b.score && a.index < b.index), "best first, ties by index")
            }
        }
        #expect(result.pairs.count == 12 * (15 * 14 / 2), "every pair of copies once")
    }

    @Test func resultsDoNotDependOnTheThreadCount() {
        let matrix = randomMatrix(700, 48, seed: 3)
        let one = SimilaritySearch.selfJoin(matrix, k: 10, threshold: 0.3, tile: 256, threads: 1)
        let two = SimilaritySearch.selfJoin(matrix, k: 10, threshold: 0.3, tile: 256, threads: 2)
        #expect(one.neighbors == two.neighbors)
        #expect(one.pairs == two.pairs)
    }
}

/// SHA-256 against the FIPS 180-4 examples.
@Suite struct SHA256Tests {
    @Test func knownDigests() {
        #expect(SHA256.hex(SHA256.digest([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256.hex(SHA256.digest(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(SHA256.digest(long)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256.hex(SHA256.digest([UInt8](repeating: 0x61, count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

/// The mirror maps URL prefixes to folders and never escapes them.
@Suite struct ImageMirrorTests {
    @Test func mapsPrefixesAndRefusesEscapes() throws {
        let mirror = try ImageMirror(parsing: "https://cvety.kz/=/srv/www/;https://cdn.example/img/=/srv/cdn")
        #expect(mirror.path(for: "https://cvety.kz/upload/iblock/a1b/x.jpg?v=2") == "/srv/www/upload/iblock/a1b/x.jpg")
        #expect(mirror.path(for: "https://cdn.example/img/a%20b.png") == "/srv/cdn/a b.png")
        #expect(mirror.path(for: "https://cvety.kz/upload/../../etc/passwd") == nil)
        #expect(mirror.path(for: "https://elsewhere/x.jpg") == nil)
        let error = #expect(throws: IndexError.self) { try ImageMirror(parsing: "=/srv") }
        #expect(error?.code == .configuration)
        let folderOnly = try ImageMirror(parsing: "/srv/www", defaultPrefix: "https://cvety.kz/")
        #expect(folderOnly.path(for: "https://cvety.kz/a.jpg") == "/srv/www/a.jpg")
    }
}

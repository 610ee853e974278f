import BackstopExtract
import Logging
#if canImport(Glibc)
    import Glibc
#endif

/// libFuzzer entry point: the input is a dump; read every event, in small chunks so tokens straddle
/// window refills. Errors are fine; crashes, traps and sanitizer reports are not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let logger = Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }
    for (maxRead, tables) in [(Int.max, nil), (7, Set(["t", "b_file"]))] as [(Int, Set<String>?)] {
        let reader = DumpReader(
            source: MemoryByteSource(bytes, name: "fuzz", maxRead: maxRead),
            options: .init(tables: tables, allowPartial: true, maxRowBytes: 1 << 20), logger: logger, readSize: 64)
        var events = 0
        while events < 100_000, let event = try? reader.next() {
            events += 1
            if case .row(let row) = event {
                var out: [UInt8] = []
                DumpExport.writeNDJSON(row, into: &out)
            }
        }
    }
    return 0
}

private typealias RunDriver =
    @convention(c) (
        UnsafeMutablePointer<Int32>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
    ) -> Int32

/// The executable's entry (SwiftPM aliases `main` to it, also over libFuzzer's own `main`): hands
/// control to libFuzzer's driver, looked up at run time so a plain `swift build` still links.
@main
enum DumpFuzzMain {
    static func main() {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "LLVMFuzzerRunDriver") else {
            print("DumpFuzz: not built with -sanitize=fuzzer; run scripts/fuzz.sh (make fuzz)")
            exit(1)
        }
        let runDriver = unsafeBitCast(symbol, to: RunDriver.self)
        var count = CommandLine.argc
        var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(runDriver(&count, &arguments) { data, size in fuzz(data, size) })
    }
}

import BackstopModel
import Logging
import Synchronization
import Testing

@testable import backstop

/// The CLI's progress renderer: what the libraries' events draw on a terminal (throttled to ten a second,
/// always the last one) and log elsewhere (every 30 s), without a terminal or a clock.
@Suite struct TerminalProgressTests {
    typealias Bars = [String: TerminalProgress.BarState]
    let ms: UInt64 = 1_000_000

    func event(_ phase: ProgressEvent.Phase, _ done: Int64 = 0, total: Int64? = nil, unit: ProgressUnit = .bytes)
        -> ProgressEvent
    {
        ProgressEvent(label: "extract.dump", phase: phase, done: done, total: total, unit: unit)
    }

    @Test func aTerminalBarShowsShareRateAndTimeLeftAtMostTenTimesASecond() {
        var bars: Bars = [:]
        let start: UInt64 = 5_000 * ms
        #expect(
            TerminalProgress.step(&bars, event(.started, total: 100_000_000), now: start, drawsBars: true)
                == .draw("extract.dump     [······························]   0% 0.0 MB of 100.0 MB  0 MB/s"))
        // 25 MB after 10 s: a quarter, 3 MB/s, 30 s left.
        #expect(
            TerminalProgress.step(&bars, event(.advanced, 25_000_000), now: start + 10_000 * ms, drawsBars: true)
                == .draw(
                    "extract.dump     [███████·······················]  25% 25.0 MB of 100.0 MB  2 MB/s  0:30 left"))
        // 50 ms later: not redrawn.
        #expect(
            TerminalProgress.step(&bars, event(.advanced, 26_000_000), now: start + 10_050 * ms, drawsBars: true) == nil
        )
        // The last update is always drawn.
        #expect(
            TerminalProgress.step(&bars, event(.advanced, 100_000_000), now: start + 10_060 * ms, drawsBars: true)
                == .draw(
                    "extract.dump     [██████████████████████████████] 100% 100.0 MB of 100.0 MB  10 MB/s  0:00 left"))
        #expect(TerminalProgress.step(&bars, event(.finished), now: start + 10_070 * ms, drawsBars: true) == .draw(nil))
        #expect(bars.isEmpty)
        #expect(TerminalProgress.step(&bars, event(.finished), now: start + 10_080 * ms, drawsBars: true) == nil)
    }

    @Test func aTotalLearntLaterAndASmallerCountAreHandled() {
        var bars: Bars = [:]
        let images = ProgressUnit.items("images")
        _ = TerminalProgress.step(&bars, event(.started, unit: images), now: 0, drawsBars: true)
        #expect(
            TerminalProgress.step(&bars, event(.advanced, 40, unit: images), now: 2_000 * ms, drawsBars: true)
                == .draw("extract.dump     40 images  20 images/s"))
        // Updates from several threads can arrive out of order: the bar never goes back.
        #expect(
            TerminalProgress.step(
                &bars, event(.advanced, 30, total: 80, unit: images), now: 4_000 * ms, drawsBars: true)
                == .draw(
                    "extract.dump     [███████████████···············]  50% 40 images of 80 images  10 images/s  0:04 left"
                ))
    }

    @Test func withoutATerminalAProgressLineIsLoggedEveryThirtySeconds() {
        var bars: Bars = [:]
        #expect(TerminalProgress.step(&bars, event(.started, total: 1_000_000_000), now: 0, drawsBars: false) == nil)
        #expect(TerminalProgress.step(&bars, event(.advanced, 100_000_000), now: 29_000 * ms, drawsBars: false) == nil)
        #expect(
            TerminalProgress.step(&bars, event(.advanced, 300_000_000), now: 30_000 * ms, drawsBars: false)
                == .log(["stage": "extract.dump", "done": "300.0 MB", "total": "1000.0 MB", "rate": "10 MB/s"]))
        #expect(TerminalProgress.step(&bars, event(.advanced, 400_000_000), now: 59_000 * ms, drawsBars: false) == nil)
        #expect(TerminalProgress.step(&bars, event(.finished), now: 61_000 * ms, drawsBars: false) == nil)
    }

    @Test func eventsOfWorkNeverStartedAreIgnored() {
        var bars: Bars = [:]
        #expect(TerminalProgress.step(&bars, event(.advanced, 5), now: 0, drawsBars: true) == nil)
        #expect(bars.isEmpty)
    }

    @Test func theReporterDrawsThroughTheRenderer() {
        let drawn = Mutex<[String?]>([])
        let renderer = TerminalProgress(
            logger: Logger(label: "test"), drawsBars: true, now: { 0 },
            draw: { line in drawn.withLock { $0.append(line) } })
        let bar = renderer.reporter.start("apply", total: 4, unit: .items("batches"))
        bar.update(4)
        bar.finish()
        #expect(
            drawn.withLock { $0 } == [
                "apply            [······························]   0% 0 batches of 4 batches  0 batches/s",
                "apply            [██████████████████████████████] 100% 4 batches of 4 batches  4000 batches/s  0:00 left",
                nil,
            ])
    }
}

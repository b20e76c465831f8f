import Foundation
import RunLedger
import TestSupport
import Testing

/// The pages in a real browser: Debian's headless chromium, driven through Selenium and
/// chromedriver by browser.py, on a ledger PageFixture builds. Screenshots stay in a
/// directory of their own under the temporary directory (its path is printed), to look at.
struct BrowserTests {
    struct Stay: Decodable {
        var state: String
        var label: String
        var text: String
        var width: Double
        var fill: String
    }

    struct JobRow: Decodable {
        var text: String
        var background: String
        var color: String
    }

    struct FilteredRow: Decodable {
        var id: String
        var job: String
        var type: String
    }

    struct Report: Decodable {
        var runStays: [Stay]
        var historyRows: Int
        var runLive: String
        var timeTitle: String
        var allRows: [String]
        var filteredUrl: String
        var filteredRows: [FilteredRow]
        var jobs: [String: JobRow]
        var timelineLanes: Int
        var lifecycleStates: Int
        var liveBefore: String
        var liveSeenAfter: Double?
        var liveStays: [String]
        var liveAfter: String
    }

    /// The python of the Selenium environment (Scripts/selenium-venv.sh makes it once).
    static func python() throws -> String {
        let result = try runProcess(
            "/bin/bash", [repositoryRoot.appendingPathComponent("Scripts/selenium-venv.sh").path])
        try #require(result.status == 0, "Scripts/selenium-venv.sh failed: \(result)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The red of a failing row's cells (#fdecec) and of its job's link (#b42318).
    static func isRed(_ css: String) -> Bool {
        let numbers = css.split { !$0.isNumber }.compactMap { Int($0) }
        guard numbers.count >= 3 else { return false }
        return numbers[0] > numbers[1] + 10 && numbers[0] > numbers[2] + 10
    }

    @Test(arguments: Ledger.Engine.allCases)
    func theBrowserShowsTimelinesFiltersFailingJobsAndLiveRuns(_ engine: Ledger.Engine) throws {
        let python = try Self.python()
        let shots = FileManager.default.temporaryDirectory
            .appendingPathComponent("runledger-screenshots-\(engine.rawValue)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        print("BrowserTests (\(engine.rawValue)): screenshots in \(shots.path)")
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory) { database in
                let fixture = try PageFixture(database, in: directory)
                let history = try #require(
                    try cliJSON(["history", fixture.done], database, in: directory) as? [[String: Any]])
                try withServer(database, in: directory) { server in
                    let config: [String: Any] = [
                        "done": fixture.done, "job": "load", "failing_job": "load", "live": fixture.live,
                        "transition": [
                            Binaries.runledger, "--db", database.location, "transition", fixture.live, "Completed",
                        ],
                        "live_state": "Completed",
                    ]
                    let configText = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
                    let script = repositoryRoot.appendingPathComponent("Tests/ServerTests/browser.py").path
                    let result = try RunningProcess(
                        python, [script, "http://127.0.0.1:\(server.port)", shots.path, configText],
                        directory: directory
                    ).wait()
                    try #require(result.status == 0, "browser.py failed: \(result)")
                    let decoder = JSONDecoder()
                    decoder.keyDecodingStrategy = .convertFromSnakeCase
                    let report = try decoder.decode(Report.self, from: Data(result.stdout.utf8))

                    // The run page: one segment per stay, in order, each labelled with its
                    // state and, but for the terminal one, the time spent there as history
                    // prints it (the AFTER of the next change).
                    #expect(report.runStays.map(\.state) == PageFixture.doneStates)
                    #expect(report.historyRows == history.count)
                    for (index, stay) in report.runStays.enumerated() {
                        #expect(stay.text == stay.label, "segment \(index) shows its label: \(stay.text)")
                        #expect(stay.width >= 3, "segment \(index) is visible")
                        if index + 1 < history.count {
                            let seconds = try #require(history[index + 1]["previous_state_seconds"] as? Double)
                            #expect(stay.label.hasPrefix(stay.state + " "), "\(stay.label)")
                            #expect(!stay.label.dropFirst(stay.state.count + 1).isEmpty, "\(stay.label) \(seconds)")
                        } else {
                            #expect(stay.label == stay.state, "the terminal stay: \(stay.label)")
                        }
                    }
                    #expect(Set(report.runStays.map(\.fill)).count >= 4, "coloured by canonical type")
                    #expect(report.runLive == "false")
                    #expect(report.timeTitle.hasSuffix("(local)"), "local time on hover: \(report.timeTitle)")

                    // The runs page: every run, then the form's filters.
                    let all = try PageTests.cliRuns([], database, in: directory)
                    #expect(report.allRows == all)
                    #expect(report.filteredUrl.contains("job=load") && report.filteredUrl.contains("type=FAILED"))
                    #expect(report.filteredRows.map(\.id) == [fixture.loadFailed])
                    #expect(report.filteredRows.allSatisfy { $0.job == "load" && $0.type == "FAILED" })

                    // The jobs page: the failing jobs red, the others not.
                    let load = try #require(report.jobs["load"])
                    #expect(Self.isRed(load.background) && Self.isRed(load.color), "\(load)")
                    let scriptJob = try #require(report.jobs[PageFixture.scriptJob], "\(report.jobs.keys)")
                    #expect(scriptJob.text == PageFixture.scriptJob && Self.isRed(scriptJob.background))
                    let fine = try #require(report.jobs["nightly-etl"])
                    #expect(!Self.isRed(fine.background) && !Self.isRed(fine.color), "\(fine)")

                    #expect(report.timelineLanes == all.count)
                    #expect(report.lifecycleStates >= 10)

                    // The live page: the CLI's transition shows within 3 seconds, then it stops.
                    #expect(report.liveBefore == "Running")
                    let seen = try #require(report.liveSeenAfter, "Completed never showed within 3 s")
                    #expect(seen < 3)
                    #expect(report.liveStays == ["Scheduled", "Pending", "Running", "Completed"])
                    #expect(report.liveAfter == "false")
                }
            }
        }
        for name in ["run-page", "runs-filtered", "jobs-page", "timeline-page", "lifecycle-page", "live-run-page"] {
            #expect(FileManager.default.fileExists(atPath: shots.appendingPathComponent("\(name).png").path), "\(name)")
        }
    }
}

import Foundation
import RunLedgerPostgres
import Testing

@testable import RunLedger

/// Sealed history on both engines: a clean chain verifies, and each attack a foreign client
/// can make (an edited row, a deleted newest row, a reordered pair, a rewritten seals
/// table, the consistent rewrite that today's `verify` passes, rows removed from the end) is
/// caught by `verify(seals:)` with the first bad `seq` named; a pruned ledger stays provable.
/// The attacks run through Python (sqlite3 / psycopg), with every trigger out of the way:
/// on SQLite dropped and recreated exactly from their own SQL, on PostgreSQL skipped with
/// `session_replication_role = replica` (what a superuser can do), so `verify` finds no
/// altered rule. And on PostgreSQL, a seal never passes a row not yet committed.
struct SealTests {
    let old = Timestamp(rawValue: 1_735_689_600_000_000)  // 2025-01-01T00:00:00Z
    let cutoff = Timestamp(rawValue: 1_767_225_600_000_000)  // 2026-01-01T00:00:00Z

    /// r1 RUNNING -> FAILED (seqs 1, 2); r2 and r3 start (3, 4) and complete (5, 6): all
    /// old; seal 1. Then r4 starts and completes now (7, 8); seal 2.
    func withSealedLedger(_ engine: Ledger.Engine, _ body: (Ledger, TestDatabase, [Seal.Line]) throws -> Void)
        throws
    {
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory, name: "sealed.db") { database in
                let ledger = try database.open()
                try ledger.start(job: "etl", lifecycle: "canonical", id: "r1", state: "RUNNING", at: old)
                try ledger.transition("r1", to: "FAILED", at: old.adding(seconds: 60), reason: "exit 1")
                try ledger.start(job: "etl", lifecycle: "canonical", id: "r2", state: "RUNNING", at: old)
                try ledger.start(job: "load", lifecycle: "canonical", id: "r3", state: "RUNNING", at: old)
                try ledger.transition("r2", to: "COMPLETED", at: old.adding(seconds: 90))
                try ledger.transition("r3", to: "COMPLETED", at: old.adding(seconds: 95), metadata: "{\"rows\": 18}")
                let first = try ledger.seal()
                try ledger.start(job: "etl", lifecycle: "canonical", id: "r4", state: "RUNNING")
                try ledger.transition("r4", to: "COMPLETED")
                let second = try ledger.seal()
                #expect(try database.query("SELECT min(seq), max(seq), count(*) FROM state_changes;") == ["1|8|8"])
                let lines = [first, second].compactMap { Seal.Line($0.line) }
                #expect(lines.count == 2)
                try body(ledger, database, lines)
            }
        }
    }

    /// Runs `statements` (one per Python string) with every rule out of the way, as an
    /// attacker who can drop triggers would, and puts the rules back exactly.
    func bypassingTheRules(_ database: TestDatabase, _ statements: [String]) throws {
        let body = statements.map { "db.execute(\"\"\"\($0)\"\"\")" }.joined(separator: "\n")
        let script: String
        switch database.engine {
        case .sqlite:
            script = """
                triggers = db.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'").fetchall()
                for name, _ in triggers: db.execute('DROP TRIGGER "%s"' % name)
                \(body)
                for _, sql in triggers: db.execute(sql)
                """
        case .postgres:
            script = """
                db.execute("SET session_replication_role = replica")
                \(body)
                db.execute("SET session_replication_role = DEFAULT")
                """
        }
        let result = try database.python(script)
        #expect(result.status == 0, "\(result)")
    }

    /// The chain value of one seal, recomputed in Python from the README's definition (not
    /// the library's code): an auditor's recomputation.
    func pythonSeal(_ database: TestDatabase, id: Int) throws -> String {
        let result = try database.python(
            """
            import hashlib
            def enc(v):
                if v is None: return b'-'
                b = str(v).encode('utf-8')
                return str(len(b)).encode() + b':' + b
            prev, lo, hi = db.execute("SELECT previous, from_seq, seq FROM seals WHERE id = \(id)").fetchone()
            h = hashlib.sha256(prev.encode())
            for row in db.execute(
                "SELECT seq, run_id, from_state, to_state, at, action, actor, reason, meta, outcome, request_key "
                "FROM state_history WHERE seq > %d AND seq <= %d ORDER BY seq" % (lo, hi)):
                h.update(hashlib.sha256(b''.join(enc(v) for v in row)).hexdigest().encode())
            print(h.hexdigest())
            """)
        #expect(result.status == 0, "\(result)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: - Clean

    @Test(arguments: Ledger.Engine.allCases) func aCleanChainVerifiesAndAnAuditorRecomputesIt(_ engine: Ledger.Engine)
        throws
    {
        try withSealedLedger(engine) { ledger, database, lines in
            let report = try ledger.verify(seals: lines)
            #expect(report.isClean, "\(report.problems)")
            #expect(report.seals == 2 && report.rows == 8 && report.sealedThrough == 8 && report.unsealed == 0)
            #expect(report.firstBadSeq == nil)
            #expect(try pythonSeal(database, id: 1) == lines[0].sha256)
            #expect(try pythonSeal(database, id: 2) == lines[1].sha256)
            // A plain-SQL writer goes on; its row is sealed by the next seal.
            _ = try database.query(
                "INSERT INTO runs (id, job, lifecycle) VALUES ('r5', 'etl', 'canonical');")
            let pending = try ledger.verify(seals: lines)
            #expect(pending.isClean && pending.unsealed == 1, "\(pending)")
            let third = try ledger.seal()
            #expect(third.fromSeq == 8 && third.previous == lines[1].sha256)
            #expect(try ledger.verify(seals: lines + [#require(Seal.Line(third.line))]).isClean)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func theRulesKeepTheSealsAppendOnlyAndInOrder(_ engine: Ledger.Engine)
        throws
    {
        try withSealedLedger(engine) { _, database, _ in
            for sql in ["UPDATE seals SET sha256 = previous WHERE id = 1;", "DELETE FROM seals WHERE id = 2;"] {
                let result = try database.run(sql)
                #expect(result.status != 0 && result.stderr.contains("runledger:append_only"), "\(result)")
            }
            let zeros = String(repeating: "0", count: 64)
            let result = try database.run(
                """
                INSERT INTO seals (id, kind, from_seq, seq, rows, previous, sha256, digests, at)
                VALUES (3, 'seal', 8, 8, 0, '\(zeros)', '\(zeros)', '', 0);
                """)
            #expect(result.status != 0 && result.stderr.contains("runledger:history_order"), "\(result)")
            #expect(try database.query("SELECT count(*) FROM seals;") == ["2"])
        }
    }

    // MARK: - Attacks

    @Test(arguments: Ledger.Engine.allCases) func anEditedRowIsCaughtAndNamed(_ engine: Ledger.Engine) throws {
        try withSealedLedger(engine) { ledger, database, lines in
            try bypassingTheRules(database, ["UPDATE state_changes SET reason = 'all fine' WHERE seq = 5"])
            #expect(try ledger.verify().isClean)
            let report = try ledger.verify(seals: lines)
            #expect(report.firstBadSeq == 5, "\(report.problems)")
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aDeletedNewestRowIsCaughtAndNamed(_ engine: Ledger.Engine) throws {
        try withSealedLedger(engine) { ledger, database, lines in
            try bypassingTheRules(database, ["DELETE FROM state_changes WHERE seq = 8"])
            let report = try ledger.verify(seals: [])
            #expect(report.firstBadSeq == 8, "\(report.problems)")
            #expect(try ledger.verify(seals: lines).firstBadSeq == 8)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aReorderedPairIsCaughtAndNamed(_ engine: Ledger.Engine) throws {
        try withSealedLedger(engine) { ledger, database, lines in
            // r2's and r3's first rows trade places: each run's history still chains.
            try bypassingTheRules(
                database,
                [
                    "UPDATE state_changes SET seq = 1000 WHERE seq = 3",
                    "UPDATE state_changes SET seq = 3 WHERE seq = 4",
                    "UPDATE state_changes SET seq = 4 WHERE seq = 1000",
                ])
            #expect(try ledger.verify().isClean)
            #expect(try ledger.verify(seals: lines).firstBadSeq == 3)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func theConsistentRewriteThatVerifyPassesIsCaught(_ engine: Ledger.Engine)
        throws
    {
        try withSealedLedger(engine) { ledger, database, lines in
            // r1 failed; make it a success everywhere it shows: its last row, the run, the stats.
            try bypassingTheRules(
                database,
                [
                    "UPDATE state_changes SET to_state = 'COMPLETED', reason = NULL WHERE seq = 2",
                    "UPDATE runs SET state = 'COMPLETED' WHERE id = 'r1'",
                    // r1's 60 s is in a bucket of its own (r2 took 90 s): the row moves whole.
                    "UPDATE stats_run_durations SET state = 'COMPLETED' WHERE job = 'etl' AND state = 'FAILED'",
                ])
            #expect(try ledger.run(id: "r1")?.state == "COMPLETED")
            let plain = try ledger.verify()
            #expect(plain.isClean, "today's verify passes the consistent rewrite: \(plain.problems)")
            let report = try ledger.verify(seals: lines)
            #expect(report.firstBadSeq == 2, "\(report.problems)")
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aRewrittenSealsTableIsCaughtByTheSavedLines(_ engine: Ledger.Engine)
        throws
    {
        try withSealedLedger(engine) { ledger, database, lines in
            try bypassingTheRules(database, ["UPDATE state_changes SET reason = 'rewritten' WHERE seq = 7"])
            #expect(try ledger.verify(seals: []).firstBadSeq == 7)
            // The attacker recomputes seal 2 (as the README says anyone can) and its digests.
            let forged = try pythonSeal(database, id: 2)
            let digests = try ledger.read { database in
                try Store(connection: database).chain(after: 6, through: 8, previous: lines[0].sha256).digests
            }.map { "\($0.seq)=\($0.digest.prefix(8))" }.joined(separator: ",")
            try bypassingTheRules(
                database, ["UPDATE seals SET sha256 = '\(forged)', digests = '\(digests)' WHERE id = 2"])
            let inside = try ledger.verify(seals: [])
            #expect(inside.isClean, "without the saved lines a full rewrite is consistent: \(inside.problems)")
            let report = try ledger.verify(seals: lines)
            #expect(report.firstBadSeq == 7, "\(report.problems)")
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func rowsRemovedFromTheEndWithTheirSealAreCaughtByTheSavedLines(
        _ engine: Ledger.Engine
    ) throws {
        try withSealedLedger(engine) { ledger, database, lines in
            try bypassingTheRules(
                database,
                [
                    "DELETE FROM state_changes WHERE seq >= 7", "DELETE FROM runs WHERE id = 'r4'",
                    "DELETE FROM seals WHERE id = 2",
                ])
            #expect(try ledger.verify(seals: []).isClean)
            let report = try ledger.verify(seals: lines)
            #expect(report.firstBadSeq == 7, "\(report.problems)")
        }
    }

    // MARK: - Prune

    @Test(arguments: Ledger.Engine.allCases) func aPrunedLedgerStaysProvable(_ engine: Ledger.Engine) throws {
        try withSealedLedger(engine) { ledger, database, lines in
            // A newer run of `load` (seq 9): a job's newest run always stays, and r3 may go.
            try ledger.start(job: "load", lifecycle: "canonical", id: "r5", state: "RUNNING")
            let report = try ledger.prune(terminalBefore: cutoff)
            #expect(report.runs == 3 && report.changes == 6)
            #expect(
                try database.query("SELECT id, kind, from_seq, seq FROM seals ORDER BY id;") == [
                    "1|seal|0|6", "2|seal|6|8", "3|seal|8|9", "4|prune|0|9",
                ])
            let stored = try ledger.read { try Store(connection: $0).seals() }.map {
                try #require(Seal.Line($0.seal.line))
            }
            let after = try ledger.verify(seals: stored)
            #expect(after.isClean && after.recomputed == 1 && after.rows == 3, "\(after.problems)")
            #expect(try ledger.verify(seals: lines).isClean)
            #expect(try pythonSeal(database, id: 4) == stored[3].sha256)
            // The chain still protects what stayed.
            try bypassingTheRules(database, ["UPDATE state_changes SET actor = 'someone else' WHERE seq = 8"])
            #expect(try ledger.verify(seals: stored).firstBadSeq == 8)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aPruneRefusesAHistoryThatNoLongerMatchesItsSeals(
        _ engine: Ledger.Engine
    ) throws {
        try withSealedLedger(engine) { ledger, database, _ in
            try bypassingTheRules(database, ["UPDATE state_changes SET reason = NULL WHERE seq = 2"])
            let error = try #require(throws: LedgerError.self) { try ledger.prune(terminalBefore: cutoff) }
            guard case .sealsBroken(let seq, _) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(seq == 2)
            #expect(try ledger.run(id: "r1") != nil)
            #expect(try database.query("SELECT count(*) FROM prunes;") == ["0"])
        }
    }

    // MARK: - PostgreSQL: the high-water mark

    /// A session holding a drawn seq uncommitted keeps every seal short of it: the seal waits
    /// for `history_high_water()` (here, until its lock timeout), and once the row commits the
    /// next seal covers it, so no seal ever skips a row that commits after a greater one.
    @Test func onPostgreSQLASealNeverPassesARowNotYetCommitted() throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(.postgres, in: directory, name: "late") { database in
                let ledger = try database.open()
                try ledger.start(job: "etl", lifecycle: "canonical", id: "early")
                let held = directory.appendingPathComponent("held")
                let go = directory.appendingPathComponent("go")
                let writer = try database.startPython(
                    """
                    import os, time
                    with db.transaction():
                        db.execute("INSERT INTO runs (id, job, lifecycle) VALUES ('late', 'etl', 'canonical')")
                        open(\"\(held.path)\", "w").close()
                        deadline = time.time() + 60
                        while not os.path.exists(\"\(go.path)\") and time.time() < deadline: time.sleep(0.01)
                    """, in: directory)
                var waited = 0
                while !FileManager.default.fileExists(atPath: held.path) && waited < 6000 {
                    usleep(10_000)
                    waited += 1
                }
                try #require(FileManager.default.fileExists(atPath: held.path), "the writer never held its row")
                let impatient = try database.open(.init(durability: .normal, busyTimeout: .milliseconds(300)))
                let error = try #require(throws: PostgresError.self) { try impatient.seal() }
                #expect(error.sqlState == "55P03", "the seal waited for the writer, until its lock timeout: \(error)")
                _ = FileManager.default.createFile(atPath: go.path, contents: nil)
                let result = try writer.wait()
                try #require(result.status == 0, "\(result)")
                let seal = try ledger.seal()
                #expect(seal.seq == 2 && seal.rows == 2, "\(seal)")
                #expect(try ledger.verify(seals: [#require(Seal.Line(seal.line))]).isClean)
            }
        }
    }
}

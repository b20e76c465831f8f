import Foundation
import RunLedger
import RunLedgerPostgres
import TestSupport
import Testing

/// `verify` on PostgreSQL: what an owner or a superuser can do around the rules, which no
/// rule can refuse, is reported (SQLite's file is compared with a fresh one instead).
struct VerifyRulesTests {
    /// A ledger with one run, in a schema of its own, and the owner's connection to it.
    func withLedger(_ body: (Ledger, PGConnection) throws -> Void) throws {
        try withPostgresSchema { database in
            let ledger = try database.open(.init())
            try ledger.start(job: "etl", lifecycle: "prefect", id: "r1")
            let owner = try PGConnection(try TestServer.uri())
            try owner.execute("SET search_path TO \(try #require(database.schema))")
            try body(ledger, owner)
        }
    }

    @Test func aFreshLedgerIsClean() throws {
        try withLedger { ledger, _ in
            let report = try ledger.verify()
            #expect(report.isClean, "\(report.problems)")
            #expect(report.runs == 1 && report.changes == 1)
        }
    }

    @Test(arguments: [
        ("ALTER TABLE state_changes DISABLE TRIGGER state_changes_before_insert", "is disabled"),
        ("ALTER TABLE state_changes ENABLE REPLICA TRIGGER state_changes_before_insert", "fires only for replication"),
        ("DROP TRIGGER runs_before_update ON runs", "The trigger runs_before_update on runs is missing"),
        (
            "CREATE FUNCTION shadow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$; "
                + "CREATE TRIGGER a_shadow BEFORE INSERT ON state_changes FOR EACH ROW EXECUTE FUNCTION shadow()",
            "The trigger a_shadow on state_changes is not runledger's"
        ),
        (
            "CREATE OR REPLACE FUNCTION runledger_refuse(tag text, sentence text, detail text DEFAULT NULL) "
                + "RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$",
            "The function runledger_refuse differs from runledger's definition"
        ),
        ("UPDATE schema_rules SET checksum = 'forged'", "The recorded rules set is not runledger's"),
    ])
    func whatTheOwnerDidAroundTheRulesIsReported(_ attack: (sql: String, problem: String)) throws {
        try withLedger { ledger, owner in
            try owner.execute(attack.sql)
            let report = try ledger.verify()
            #expect(
                report.problems.contains { $0.check == "schema" && $0.detail.contains(attack.problem) },
                "\(report.problems)")
        }
    }
}

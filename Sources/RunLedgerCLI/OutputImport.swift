// The formatters moved to RunLedgerOutput (shared with RunLedgerServer). Every CLI file that
// formats imports it itself; this re-export covers the files being edited elsewhere
// (ImportOpenLineageCommand.swift) until they import it too, and can go then.
@_exported import RunLedgerOutput

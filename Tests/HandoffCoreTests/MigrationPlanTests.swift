import HandoffCore
import Testing

@Suite("Migration plan")
struct MigrationPlanTests {
    let one = Migration(version: 1, name: "init", sql: "CREATE TABLE a (id int);")
    let two = Migration(version: 2, name: "more", sql: "CREATE TABLE b (id int);")

    @Test("file names parse to version and name")
    func fileNames() {
        #expect(Migration(fileName: "0001_init.sql", sql: "")?.version == 1)
        #expect(Migration(fileName: "0012_add_usage.sql", sql: "")?.name == "add_usage")
        #expect(Migration(fileName: "init.sql", sql: "") == nil)
        #expect(Migration(fileName: "0001_init.txt", sql: "") == nil)
        #expect(Migration(fileName: "0000_zero.sql", sql: "") == nil)
    }

    @Test("pending is what is not applied, in version order")
    func pending() throws {
        #expect(try MigrationPlan.pending(available: [two, one], applied: []) == [one, two])
        #expect(try MigrationPlan.pending(available: [one, two], applied: [.init(version: 1, checksum: one.checksum)]) == [two])
        #expect(try MigrationPlan.pending(available: [one, two], applied: [.init(version: 1, checksum: one.checksum), .init(version: 2, checksum: two.checksum)]).isEmpty)
    }

    @Test("an applied migration that changed is refused")
    func edited() {
        #expect(throws: MigrationPlanError.edited(version: 1, name: "init")) {
            try MigrationPlan.pending(available: [one], applied: [.init(version: 1, checksum: "0000")])
        }
    }

    @Test("0001's text from before its one landed edit is accepted as applied, for 0001 only")
    func earlierTextOfInit() throws {
        let earlier = "c13e8845c2f088eeb21aef0e5c957b30d19bc222794830b8717b428125b30d0c"
        #expect(try MigrationPlan.pending(available: [one, two], applied: [.init(version: 1, checksum: earlier)]) == [two])
        #expect(throws: MigrationPlanError.edited(version: 2, name: "more")) {
            try MigrationPlan.pending(
                available: [one, two], applied: [.init(version: 1, checksum: one.checksum), .init(version: 2, checksum: earlier)]
            )
        }
    }

    @Test("a database ahead of the build, and duplicate versions, are refused")
    func inconsistent() {
        #expect(throws: MigrationPlanError.unknownApplied(version: 3)) {
            try MigrationPlan.pending(available: [one], applied: [.init(version: 3, checksum: "x")])
        }
        #expect(throws: MigrationPlanError.duplicateVersion(1)) {
            try MigrationPlan.pending(available: [one, Migration(version: 1, name: "again", sql: "")], applied: [])
        }
    }
}

@Suite("SQL statement splitting")
struct SQLStatementSplitterTests {
    @Test("splits on semicolons outside strings, quotes, dollar quotes and comments")
    func splits() {
        let sql = """
            -- a comment; with a semicolon
            CREATE TABLE t (name text DEFAULT 'a;b', "odd;name" int);
            /* block; comment */
            DO $$ BEGIN PERFORM 1; PERFORM 2; END $$;
            CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $fn$ SELECT 1; $fn$;
            INSERT INTO t VALUES ('it''s; fine', 1);
            SELECT $1;
            -- trailing comment only
            """
        let statements = SQLStatementSplitter.split(sql)
        #expect(statements.count == 5)
        #expect(statements[0].hasSuffix(#"CREATE TABLE t (name text DEFAULT 'a;b', "odd;name" int)"#))
        #expect(statements[1].hasSuffix("DO $$ BEGIN PERFORM 1; PERFORM 2; END $$"))
        #expect(statements[2] == "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $fn$ SELECT 1; $fn$")
        #expect(statements[3] == "INSERT INTO t VALUES ('it''s; fine', 1)")
        #expect(statements[4] == "SELECT $1")
    }

    @Test("no statements in an empty or comment-only file")
    func empty() {
        #expect(SQLStatementSplitter.split("").isEmpty)
        #expect(SQLStatementSplitter.split("-- nothing\n\n").isEmpty)
    }
}

"""The review store's schema, as append-only steps.

Step *n* (1-based) brings ``PRAGMA user_version`` to *n*. Append, never edit: a store written by
an older release is brought up to date by running the steps it has not seen.
"""

from __future__ import annotations

from assistant.domain.models import Verdict

_VERDICT_SQL = ", ".join(f"'{v.value}'" for v in Verdict)

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE submissions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            content_hash TEXT NOT NULL UNIQUE,
            file_name TEXT NOT NULL,
            prefecture TEXT,
            plan_type TEXT NOT NULL CHECK (plan_type IN ('A', 'B', 'C')),
            status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'in_review', 'final')),
            created_at TEXT NOT NULL,
            pdf_path TEXT
        )""",
        """CREATE TABLE draft_runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            submission_id INTEGER NOT NULL REFERENCES submissions(id),
            plan_type TEXT NOT NULL CHECK (plan_type IN ('A', 'B', 'C')),
            backend TEXT NOT NULL,
            model TEXT,
            drafted_at TEXT NOT NULL,
            warnings TEXT NOT NULL DEFAULT '[]'
        )""",
        "CREATE INDEX draft_runs_submission ON draft_runs(submission_id)",
        f"""CREATE TABLE draft_items (
            run_id INTEGER NOT NULL REFERENCES draft_runs(id),
            position INTEGER NOT NULL,
            criterion_id TEXT NOT NULL,
            verdict TEXT NOT NULL CHECK (verdict IN ({_VERDICT_SQL})),
            rationale TEXT NOT NULL,
            citations TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (run_id, criterion_id)
        )""",
        f"""CREATE TABLE decisions (
            submission_id INTEGER NOT NULL REFERENCES submissions(id),
            criterion_id TEXT NOT NULL,
            verdict TEXT NOT NULL CHECK (verdict IN ({_VERDICT_SQL})),
            comment TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            version INTEGER NOT NULL CHECK (version >= 1),
            draft_run_id INTEGER NOT NULL REFERENCES draft_runs(id),
            PRIMARY KEY (submission_id, criterion_id)
        )""",
        """CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            submission_id INTEGER REFERENCES submissions(id),
            criterion_id TEXT,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            at TEXT NOT NULL,
            before TEXT,
            after TEXT
        )""",
        "CREATE INDEX audit_log_submission ON audit_log(submission_id)",
        *(
            f"""CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"""
            for table in ("audit_log", "draft_runs", "draft_items")
            for op in ("UPDATE", "DELETE")
        ),
    ),
    # 2: warnings with their kind (injection, ocr …), so screens need not search their wording.
    ("ALTER TABLE draft_runs ADD COLUMN notices TEXT NOT NULL DEFAULT '[]'",),
    # 3: what a judgement criterion's draft found and how sure it is, shown to the reviewer with it.
    (
        "ALTER TABLE draft_items ADD COLUMN findings TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE draft_items ADD COLUMN confidence TEXT CHECK (confidence IN ('high', 'medium', 'low'))",
    ),
    # 4: the 質問 tab's conversations, per user, so a reload or another day can reopen them. Turns keep
    # the whole answer (parts, sources, warnings) as shown, and go when their conversation is deleted.
    (
        """CREATE TABLE conversations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            owner TEXT NOT NULL,
            title TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX conversations_owner ON conversations(owner, updated_at)",
        """CREATE TABLE conversation_turns (
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            question TEXT NOT NULL,
            plan TEXT,
            answer TEXT NOT NULL,
            asked_at TEXT NOT NULL,
            PRIMARY KEY (conversation_id, position)
        )""",
    ),
)

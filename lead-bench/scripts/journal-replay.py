#!/usr/bin/env python3
"""Replays the SQLite journal writer's statements for a flood of fresh leads, to compare schema variants.

Not a benchmark of LeadRouter (no JVM, no JDBC): it isolates what SQLite itself writes per lead. The schema and the
statements are the journal's (schema version 7, lead-core's JournalSchema): per group of B leads one durable
transaction (synchronous=FULL) inserting the leads and their deliveries already in flight, then one non-durable
transaction (synchronous=NORMAL) settling them as delivered, as the writer does at 64 callers (about 42 leads per
commit, counted with kernel tracepoints). Lead ids are random UUIDs like the derived ids of marketplace leads.

Variants:
  base   the journal as it is
  nokey  no customer key on the deliveries (a destination not ordered by customer)
  seq    nokey, and deliveries keyed by the lead's row number instead of its text id (a format change)
  nocp   base without WAL checkpoints (what moving checkpoints to another thread could save the writer at most)

Usage: journal-replay.py [variant ...]            prints CPU and wall microseconds per lead, three interleaved rounds
       V=seq strace -f -c -e trace=pwrite64 python3 journal-replay.py --one    counts the page writes of one run
"""
import os
import sqlite3
import sys
import time
import uuid

DIR = os.environ.get('REPLAY_DIR', '/tmp')


def run(variant, n=30000, group=42):
    path = os.path.join(DIR, 'journal-replay-%s.db' % variant)
    for suffix in ('', '-wal', '-shm'):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass
    c = sqlite3.connect(path, isolation_level=None)
    c.execute('PRAGMA journal_mode=WAL')
    if variant == 'nocp':
        c.execute('PRAGMA wal_autocheckpoint=0')
    by_seq = variant == 'seq'
    c.execute("CREATE TABLE lr_leads (lead_id TEXT PRIMARY KEY, payload BLOB NOT NULL, accepted_at INTEGER NOT NULL,"
              " trace_context TEXT)")
    c.execute("CREATE INDEX lr_leads_accepted ON lr_leads (accepted_at)")
    c.execute("CREATE TABLE lr_deliveries (id INTEGER PRIMARY KEY, lead_id TEXT NOT NULL, destination TEXT NOT NULL,"
              " state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL, lease_until INTEGER,"
              " accepted_at INTEGER NOT NULL, retry_since INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
              " last_error TEXT, diagnosis_code TEXT, diagnosis_message TEXT, diagnosis_fix TEXT, outcome TEXT,"
              " record_id TEXT, lease_owner TEXT, lease_epoch INTEGER NOT NULL DEFAULT 0, order_key TEXT,"
              " fallback_for TEXT, spilled_at INTEGER, lead_seq INTEGER, %s)"
              % ("UNIQUE (lead_seq, destination)" if by_seq else "UNIQUE (lead_id, destination)"))
    c.execute("CREATE INDEX lr_deliveries_due ON lr_deliveries (destination, state, due_at)")
    c.execute("CREATE INDEX lr_deliveries_state ON lr_deliveries (state, destination, updated_at)")
    c.execute("CREATE INDEX lr_deliveries_customer ON lr_deliveries (destination, order_key, id)"
              " WHERE state IN ('PENDING', 'PARKED', 'IN_FLIGHT')")
    c.execute("CREATE INDEX lr_deliveries_unspilled ON lr_deliveries (destination, accepted_at) WHERE spilled_at IS NULL"
              " AND fallback_for IS NULL AND state <> 'DELIVERED' AND state <> 'HANDED_OFF'")
    payload = b'x' * 700
    ids = [str(uuid.uuid4()) for _ in range(n)]
    no_key = variant in ('nokey', 'seq')
    cpu0, wall0 = time.process_time(), time.time()
    i = 0
    while i < n:
        c.execute('PRAGMA synchronous=FULL')
        c.execute('BEGIN')
        rows = []
        for j, lead in enumerate(ids[i:i + group]):
            t = i + j
            c.execute('INSERT INTO lr_leads VALUES (?, ?, ?, ?) ON CONFLICT (lead_id) DO NOTHING',
                      (lead, payload, t, None))
            rows.append((lead, 'hook', 'IN_FLIGHT', t, t, t, t, t + 60000, 'r1', 1,
                         None if no_key else 'k' + uuid.uuid4().hex, t + 1))
        c.executemany("INSERT INTO lr_deliveries (lead_id, destination, state, due_at, accepted_at, retry_since,"
                      " updated_at, lease_until, lease_owner, lease_epoch, order_key, lead_seq)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        c.execute('COMMIT')
        first = i + 1
        i += len(rows)
        c.execute('PRAGMA synchronous=NORMAL')
        c.execute('BEGIN')
        for k in range(first, i + 1):
            c.execute("UPDATE lr_deliveries SET state = 'DELIVERED', updated_at = ?, attempts = attempts + 1,"
                      " lease_until = NULL, outcome = 'CREATED', record_id = ? WHERE id = ? AND lease_owner = 'r1'"
                      " AND lease_epoch = 1", (k, 'r', k))
        c.execute('COMMIT')
    c.close()
    return (time.process_time() - cpu0) / n * 1e6, (time.time() - wall0) / n * 1e6


if __name__ == '__main__':
    if sys.argv[1:] == ['--one']:
        v = os.environ.get('V', 'base')
        print(v, '%.1f us CPU, %.1f us wall per lead' % run(v))
    else:
        variants = sys.argv[1:] or ['base', 'nokey', 'seq', 'nocp']
        for _ in range(3):
            print('  '.join('%s %.1f/%.1f' % ((v,) + run(v)) for v in variants), flush=True)

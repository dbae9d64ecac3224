# Times each journal query with and without each index of the SQLite schema (lead-bench/README.md, 'Journal indexes').
import sqlite3, time, os, random, uuid
DDL = [
 "CREATE TABLE lr_leads (lead_id TEXT PRIMARY KEY, payload BLOB NOT NULL, accepted_at INTEGER NOT NULL)",
 "CREATE TABLE lr_deliveries (id INTEGER PRIMARY KEY, lead_id TEXT NOT NULL, destination TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL, lease_until INTEGER, accepted_at INTEGER NOT NULL, retry_since INTEGER NOT NULL, updated_at INTEGER NOT NULL, last_error TEXT, diagnosis_code TEXT, diagnosis_message TEXT, diagnosis_fix TEXT, outcome TEXT, record_id TEXT, UNIQUE (lead_id, destination))",
]
IDX = {
 "lr_leads_accepted": "CREATE INDEX lr_leads_accepted ON lr_leads (accepted_at)",
 "lr_deliveries_due": "CREATE INDEX lr_deliveries_due ON lr_deliveries (destination, state, due_at)",
 "lr_deliveries_state": "CREATE INDEX lr_deliveries_state ON lr_deliveries (state, destination, updated_at)",
}
def due(state):
  return f"SELECT * FROM (SELECT id, lead_id, attempts, retry_since, due_at FROM lr_deliveries WHERE destination = ?1 AND state = '{state}' AND due_at <= ?2 ORDER BY due_at LIMIT ?3)"
Q = {
 "claim (selectDue, 64)": ("SELECT d.id, d.lead_id, d.attempts, d.retry_since, l.payload FROM (" + due("PENDING") + " UNION ALL " + due("PARKED") + ") d JOIN lr_leads l ON l.lead_id = d.lead_id ORDER BY d.due_at LIMIT ?3", ("crm", 10**13, 64)),
 "nextDue": ("SELECT min(due_at) FROM lr_deliveries WHERE destination = ? AND state IN ('PENDING', 'PARKED')", ("crm",)),
 "reclaimExpiredLeases": ("SELECT count(*) FROM lr_deliveries WHERE state = 'IN_FLIGHT' AND lease_until <= ?", (10**13,)),
 "dead letters (list, 100)": ("SELECT id FROM lr_deliveries WHERE state IN ('DEAD') AND destination = ? ORDER BY updated_at DESC, id DESC LIMIT 100", ("crm",)),
 "pruneSettled deliveries": ("SELECT count(*) FROM lr_deliveries WHERE state IN ('DELIVERED', 'HANDED_OFF') AND updated_at < ?", (1000,)),
 "pruneSettled leads": ("SELECT count(*) FROM lr_leads WHERE accepted_at < ? AND NOT EXISTS (SELECT 1 FROM lr_deliveries d WHERE d.lead_id = lr_leads.lead_id)", (1000,)),
 "deliveries(lead)": ("SELECT id FROM lr_deliveries WHERE lead_id = ? ORDER BY id", ("LEADX",)),
 "counts": ("SELECT destination, state, count(*) FROM lr_deliveries GROUP BY destination, state", ()),
}
N = int(os.environ.get("N", "200000"))
os.makedirs("/tmp/idx", exist_ok=True)
def build(skip):
  path = f"/tmp/idx/j-{skip or 'all'}.db"
  for suf in ("", "-wal", "-shm"):
    if os.path.exists(path+suf): os.remove(path+suf)
  c = sqlite3.connect(path, isolation_level=None)
  c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA synchronous=NORMAL")
  for d in DDL: c.execute(d)
  for k, d in IDX.items():
    if k != skip: c.execute(d)
  payload = os.urandom(600)
  random.seed(1)
  t0 = time.perf_counter()
  c.execute("BEGIN")
  states = ["DELIVERED"]*90 + ["PENDING"]*6 + ["DEAD"]*2 + ["PARKED"] + ["IN_FLIGHT"]
  for i in range(N):
    lid = "LEAD%d" % i if i != N//2 else "LEADX"
    t = 2000 + i
    c.execute("INSERT INTO lr_leads VALUES (?,?,?)", (lid, payload, t))
    for dest in ("crm", "archive"):
      st = random.choice(states)
      c.execute("INSERT INTO lr_deliveries (lead_id, destination, state, attempts, due_at, lease_until, accepted_at, retry_since, updated_at) VALUES (?,?,?,0,?,?,?,?,?)", (lid, dest, st, t, t if st=="IN_FLIGHT" else None, t, t, t))
    if i % 1000 == 999:
      c.execute("COMMIT"); c.execute("BEGIN")
  c.execute("COMMIT")
  ins = N / (time.perf_counter() - t0)
  c.execute("ANALYZE")
  return c, ins
def timeq(c, sql, args):
  best = 1e9
  for _ in range(5):
    t = time.perf_counter(); c.execute(sql, args).fetchall(); best = min(best, time.perf_counter() - t)
  plan = " / ".join(r[3] for r in c.execute("EXPLAIN QUERY PLAN " + sql, args).fetchall())
  return best*1e3, plan
c, ins = build(None)
print(f"all indexes: {N} leads x 2 deliveries inserted at {ins:,.0f} leads/s")
base = {}
for name, (sql, args) in Q.items():
  ms, plan = timeq(c, sql, args); base[name] = ms
  print(f"  {name}: {ms:.3f} ms  [{plan}]")
for skip in IDX:
  c2, ins2 = build(skip)
  print(f"without {skip}: inserts {ins2:,.0f} leads/s ({(ins2/ins-1)*100:+.0f}%)")
  for name, (sql, args) in Q.items():
    ms, plan = timeq(c2, sql, args)
    if ms > base[name]*2 + 0.05:
      print(f"  {name}: {ms:.3f} ms (with it {base[name]:.3f} ms)  [{plan}]")

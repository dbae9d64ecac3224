package io.leadrouter.journal;

import io.leadrouter.internal.journal.JdbcJournal;
import io.leadrouter.internal.journal.SqliteDialect;
import io.leadrouter.spi.Require;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The embedded default journal: one SQLite file in WAL mode ({@code leadrouter.db}), accepted leads committed with
 * {@code synchronous=FULL}, concurrent {@code route()} calls sharing one commit. Operators can open the file with
 * {@code sqlite3}. One process at a time: a second opener gets a clear error. A damaged file (truncated, garbage,
 * written by a newer version, or missing after it was created) is refused with the file's name, never silently
 * replaced by an empty queue. Damage inside the file is looked for at open ({@link IntegrityCheck}, SQLite's
 * {@code PRAGMA quick_check} by default) and noticed at run time ({@code SQLITE_CORRUPT}, {@code SQLITE_NOTADB}):
 * either way the journal refuses all further work with a {@link JournalDamagedException} saying how to recover.
 */
public final class SqliteJournal {
  private static final byte[] MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
  private static final int DEFAULT_MAX_BATCH = 1024;
  /** The write-ahead log's size, in pages, at which the writer copies it into the file (SQLite's default: 1,000). */
  static final int CHECKPOINT_PAGES = 10_000;

  private SqliteJournal() {}

  /** How much of an existing journal file is checked for damage when it is opened. */
  public enum IntegrityCheck {
    /** No check (damage is still noticed when a damaged page is read). */
    NONE,
    /**
     * The default: SQLite's {@code PRAGMA quick_check} (every page and b-tree structure, not index contents) whenever
     * the file may have changed since LeadRouter last closed it cleanly — after a crash, a copy, a restore, or any
     * write by another program. A clean close seals the file (its size and a modification time LeadRouter sets to a
     * value no later write reproduces, kept in the lock file); a file still sealed at open is exactly as it was left,
     * so the check, about 6 s for a million pending leads (lead-bench {@code IntegrityCheckTime}), is skipped and a
     * restart takes milliseconds. Someone who edits the file and then restores both its size and that exact
     * modification time defeats the seal: use {@link #QUICK_ALWAYS} where that is a concern.
     */
    QUICK,
    /** SQLite's {@code PRAGMA quick_check} at every open, sealed or not. */
    QUICK_ALWAYS,
    /** SQLite's {@code PRAGMA integrity_check} at every open: also that every index matches its table; slower. */
    FULL
  }

  /** Opens (or creates) the journal file, checking an existing file with {@link IntegrityCheck#QUICK}. */
  public static LeadJournal open(Path file) {
    return open(file, DEFAULT_MAX_BATCH, IntegrityCheck.QUICK);
  }

  /** Opens (or creates) the journal file, checking an existing file as {@code check} says. */
  public static LeadJournal open(Path file, IntegrityCheck check) {
    return open(file, DEFAULT_MAX_BATCH, check);
  }

  /** Opens (or creates) the journal file, taking at most {@code maxBatch} operations into one transaction. */
  public static LeadJournal open(Path file, int maxBatch) {
    return open(file, maxBatch, IntegrityCheck.QUICK);
  }

  /**
   * Opens (or creates) the journal file, taking at most {@code maxBatch} operations into one transaction and checking
   * an existing file as {@code check} says.
   *
   * @throws JournalDamagedException when the check finds damage (the message says how to recover)
   */
  public static LeadJournal open(Path file, int maxBatch, IntegrityCheck check) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(check, "check");
    Require.atLeast(maxBatch, 1, "maxBatch");
    Path db = followLinks(file.toAbsolutePath().normalize());
    checkPath(db);
    Path lockFile = db.resolveSibling(db.getFileName() + ".lock");
    FileLock lock = lock(db, lockFile);
    boolean created = false;
    boolean marked = false; // a new journal's marker is written once its tables are: from then on it is a journal
    try {
      created = checkFile(db, lockFile, lock.channel());
      // the seal is broken before anything can write: a crash from here on leaves a file checked at the next open
      boolean sealed = !created && unseal(lock.channel(), lockFile, db);
      IntegrityCheck effective = created || (sealed && check == IntegrityCheck.QUICK) ? IntegrityCheck.NONE : check;
      if (sealed && check == IntegrityCheck.QUICK) {
        org.slf4j.LoggerFactory.getLogger(SqliteJournal.class).debug("journal {} is unchanged since its last clean"
            + " close: integrity check skipped", db);
      }
      Connection c = connect(db, effective);
      if (!created) {
        refuseLostSchema(c, db, lockFile, lock.channel());
      }
      Watch watch = new Watch(db, lockFile, lock);
      JdbcJournal[] opened = new JdbcJournal[1];
      JdbcJournal journal = new JdbcJournal(db.toString(), c, new SqliteDialect(), maxBatch, () -> {
        // a file put in the journal's place while it ran is not the one closed cleanly: never sealed
        if (opened[0] != null && !opened[0].isDamaged() && watch.moved() == null) {
          seal(watch.lock().channel(), db);
        }
        release(watch.lock());
      });
      opened[0] = journal;
      watch.opened();
      journal.watchFiles(watch);
      if (created) {
        try {
          writeMarker(lock.channel(), lockFile, db);
        } catch (RuntimeException e) {
          journal.close(); // its files are removed below: nothing was accepted into them
          throw e;
        }
        marked = true;
      }
      writeHolder(lock.channel(), db);
      int recovered;
      try {
        recovered = journal.recoverInFlight();
      } catch (RuntimeException e) {
        journal.close(); // releases the lock too
        throw e;
      }
      if (recovered > 0) {
        org.slf4j.LoggerFactory.getLogger(SqliteJournal.class)
            .info("journal {}: {} deliveries were in flight at the last stop and will be retried", db, recovered);
      }
      return journal;
    } catch (RuntimeException e) {
      if (created && !marked) {
        removeUnfinished(db);
      }
      release(lock);
      throw e;
    }
  }

  /**
   * Removes what a first open that failed (a full disk, say) created: nothing was accepted into it, and the empty
   * file it left was refused at the next start as a truncated journal ("restore it from a backup"), after the disk had
   * room again.
   */
  private static void removeUnfinished(Path db) {
    for (String suffix : List.of("", "-wal", "-shm")) {
      try {
        Files.deleteIfExists(db.resolveSibling(db.getFileName() + suffix));
      } catch (IOException e) {
        org.slf4j.LoggerFactory.getLogger(SqliteJournal.class).debug("journal {}: {} not removed after the failed"
            + " open ({})", db, suffix, e.toString());
      }
    }
  }

  /**
   * Refuses a file with no journal tables where the lock file says a journal was created (it is written once the
   * tables are): until the log is first copied into the file (about 40 MB of it), the tables and every lead live in the
   * {@code -wal} file only, so a {@code -wal} deleted between runs left a file SQLite opens as a new, empty database,
   * and the journal started empty as if it were new.
   */
  private static void refuseLostSchema(Connection c, Path db, Path lockFile, FileChannel lockChannel) {
    String marker = readMarker(lockChannel);
    try {
      if (!marker.startsWith("created ") || new SqliteDialect().schemaExists(c)) {
        return;
      }
    } catch (SQLException e) {
      return; // the journal's own open reports it
    }
    try {
      c.close();
    } catch (SQLException e) {
      // refused anyway
    }
    throw new JournalException("journal " + db + " holds no journal tables, yet a journal was "
        + createdLine(marker).strip() + " (see " + lockFile + "): its -wal file, which holds the latest writes (all of"
        + " them, until about 40 MB were written), was deleted or replaced, or the file was. Restore " + db + " and "
        + db.getFileName() + "-wal together from a backup, or delete " + lockFile + " to start a new, empty journal");
  }

  /**
   * Whether the journal's file and its write-ahead log are still the ones opened, by their identity (device and inode):
   * the writer thread asks about once a second (see {@link JdbcJournal.FileWatch}).
   */
  private static final class Watch implements JdbcJournal.FileWatch {
    private final Path db;
    private final Path wal;
    private final Path lockFile;
    private volatile Object dbKey;
    private volatile Object walKey;
    private volatile Object lockKey;
    private volatile FileLock lock;

    Watch(Path db, Path lockFile, FileLock lock) {
      this.db = db;
      this.wal = db.resolveSibling(db.getFileName() + "-wal");
      this.lockFile = lockFile;
      this.lock = lock;
    }

    /** Takes the files' identities, once the journal is open. */
    void opened() {
      dbKey = identity(db);
      walKey = identity(wal);
      lockKey = identity(lockFile);
    }

    /** The lock this process holds on the journal (a new one once its lock file was created again). */
    FileLock lock() {
      return lock;
    }

    @Override
    public String lockLost() {
      if (lockKey == null || lockKey.equals(identity(lockFile))) {
        return null;
      }
      synchronized (HELD) {
        FileLock old = lock;
        FileChannel ch = null;
        try {
          ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
              StandardOpenOption.WRITE);
          FileLock fresh = ch.tryLock();
          if (fresh == null) {
            String holder = holder(readMarker(ch));
            ch.close(); // another inode than the one this process locked: closing it drops nothing of ours
            return "journal " + db + ": its lock file " + lockFile + " was deleted while the router ran, and another"
                + " process" + (holder.isEmpty() ? "" : " (" + holder + ")") + " opened the journal beside this one:"
                + " no lead is accepted here, since two routers on one journal deliver its leads twice. Stop one of"
                + " them (never delete the lock file of a running router)";
          }
          writeMarkerText(fresh.channel(), createdLine(readMarker(old.channel())));
          writeHolder(fresh.channel(), db);
          HELD.put(fileKey(lockFile), fresh);
          lock = fresh;
          lockKey = identity(lockFile);
          release(old); // the deleted inode's: HELD no longer names it
          org.slf4j.LoggerFactory.getLogger(SqliteJournal.class).warn("journal {}: its lock file {} was deleted while"
              + " the router ran (another process could have opened the journal too): created and locked again", db,
              lockFile);
          return null;
        } catch (IOException | RuntimeException e) {
          if (ch != null) {
            try {
              ch.close();
            } catch (IOException ignored) {
              // not ours
            }
          }
          return "journal " + db + ": its lock file " + lockFile + " was deleted while the router ran and cannot be"
              + " created again (" + e.getMessage() + "): no lead is accepted here, since another process could open"
              + " the journal beside this one and deliver its leads twice. Make the folder writable again, or restart"
              + " the router";
        }
      }
    }

    @Override
    public String moved() {
      Object now = identity(db);
      if (dbKey == null || dbKey.equals(now)) {
        return null;
      }
      Path folder = db.getParent();
      String what = now != null ? "was replaced by another file (a copy or a restore over it)"
          : folder != null && !Files.isDirectory(folder) ? "was deleted or moved away, with its folder " + folder
          : "was deleted or moved away";
      return "journal " + db + " " + what + " while the router ran: no lead is accepted until it is back, since one"
          + " written to a file no folder lists is lost when the process ends. The leads accepted before are still"
          + " delivered from the file the router has open. If it was moved, move it back to " + db + " (with its"
          + " -wal and -shm files): routing resumes by itself. Otherwise let the router deliver what it holds"
          + " (router.counts()), then restart it";
    }

    @Override
    public boolean logGone() {
      return walKey != null && !walKey.equals(identity(wal));
    }

    /**
     * SQLite writes a log's header before its frames, also when it starts the log over after a checkpoint (the
     * journal's own, or a {@code wal_checkpoint(TRUNCATE)} run in a sqlite3 shell beside it: not a cut). A log cut
     * under it is written on at its old offsets, around a hole where the header was. Its size alone says nothing: a
     * checkpoint that truncates makes it shrink too.
     */
    @Override
    public String logCut() {
      try {
        if (Files.size(wal) <= 32 || walHoldsPages(wal)) {
          return null;
        }
      } catch (IOException e) {
        return null; // gone: logGone's
      }
      return "its -wal file was truncated while the router ran, by another program: the writes it held since they"
          + " were last copied into the journal file are gone from the disk";
    }

    @Override
    public Connection reopen(Connection old) throws SQLException {
      if (!old.isClosed()) {
        // the deleted log is still readable through the connection: its frames are copied into the file first; if
        // that fails (a full disk), the connection goes on as it was and this is tried again
        old.setAutoCommit(true); // ends the writer's (empty) transaction: a checkpoint runs outside one
        try (Statement s = old.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
          if (rs.next() && rs.getInt(1) != 0) {
            throw new SQLException("copying the -wal file into the journal file was blocked");
          }
        } catch (SQLException | RuntimeException e) {
          old.setAutoCommit(false);
          throw e;
        }
        old.close();
      }
      Connection c = connect(db, IntegrityCheck.NONE);
      walKey = identity(wal);
      return c;
    }

    private static Object identity(Path file) {
      try {
        return Files.readAttributes(file, BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS)
            .fileKey();
      } catch (IOException e) {
        return null;
      }
    }
  }

  /**
   * Opens the connection through the driver's own {@code DataSource}, not {@code DriverManager}: in an isolated class
   * loader (application servers, plugin hosts) {@code DriverManager} does not see a driver the loader holds, and
   * answered "No suitable driver", which read like a damaged file.
   */
  private static Connection connect(Path db, IntegrityCheck check) {
    Connection c = openConnection(db);
    try {
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=FULL");
        // a checkpoint (copying the log into the file) every 10,000 pages (~40 MB of log) rather than SQLite's 1,000:
        // a page changed many times between two checkpoints is copied once, and the writer pauses for it a tenth as
        // often (lead-bench WriterCost, 64 callers: 17.1 -> 12.9 kB written and 88 -> 83 us of the writer per lead)
        s.execute("PRAGMA wal_autocheckpoint=" + CHECKPOINT_PAGES);
        s.execute("PRAGMA busy_timeout=5000");
        s.execute("PRAGMA foreign_keys=OFF");
        // what any statement deletes or moves (a released quarantined payload, a purged or erased row, the tables an
        // upgrade rebuilds) is overwritten with zeros at once, not left in free pages and free space until reused: an
        // erasure then only has to empty the -wal file (see SqliteDialect.afterPersonErased; lead-core README)
        s.execute("PRAGMA secure_delete=ON");
        s.executeQuery("SELECT count(*) FROM sqlite_master").close(); // a garbage file fails here
        checkIntegrity(s, db, check);
      } catch (SQLException | RuntimeException e) {
        c.close();
        throw e;
      }
      return c;
    } catch (SQLException e) {
      new SqliteDialect().damage(e, db.toString()).ifPresent(m -> {
        throw new JournalDamagedException(m, e);
      });
      if (String.valueOf(e.getMessage()).contains("SQLITE_READONLY")) {
        throw new JournalException("journal " + db + " cannot be written: " + e.getMessage() + ". Make the file and"
            + " its folder writable by the user running LeadRouter (it keeps " + names(db) + " there), or choose"
            + " another journal path", e);
      }
      String advice = SqliteDialect.advice(String.valueOf(e.getMessage()), db.toString());
      throw new JournalException("journal " + db + " cannot be opened: " + e.getMessage() + (advice.isEmpty()
          ? ". If it is damaged, restore it from a backup or move it away to start an empty journal" : advice), e);
    }
  }

  private static Connection openConnection(Path db) {
    try {
      return driverConnection("jdbc:sqlite:" + db, "Journal " + db);
    } catch (SQLException e) {
      throw new JournalException("journal " + db + " cannot be opened: " + e.getMessage()
          + ". Check that its folder exists and is writable; if the file is damaged, restore it from a backup or"
          + " move it away to start an empty journal", e);
    }
  }

  /**
   * A connection to {@code url} through the driver's own {@code DataSource} (see {@link #connect}); a driver missing
   * from the class loader that loads LeadRouter is said by name, for {@code what} (the journal being opened).
   */
  static Connection driverConnection(String url, String what) throws SQLException {
    try {
      return Driver.connect(url);
    } catch (LinkageError e) {
      throw new JournalException("the SQLite JDBC driver is missing: add org.xerial:sqlite-jdbc to the class path"
          + " of the class loader that loads LeadRouter (" + e + "). " + what + " was not touched", e);
    }
  }

  /** The only code touching the driver's classes, so that a missing driver fails here, by name. */
  private static final class Driver {
    static Connection connect(String url) throws SQLException {
      org.sqlite.SQLiteDataSource source = new org.sqlite.SQLiteDataSource();
      source.setUrl(url);
      // the journal reads ids with RETURNING; without this the driver runs a regular expression over the SQL of
      // every INSERT/UPDATE to prepare generated keys nobody asks for (a sixth of the writer thread's time)
      source.setGetGeneratedKeys(false);
      return source.getConnection();
    }
  }

  /** Runs the integrity check; throws when it finds damage (a damaged page can also make the check itself fail). */
  private static void checkIntegrity(Statement s, Path db, IntegrityCheck check) throws SQLException {
    if (check == IntegrityCheck.NONE) {
      return;
    }
    String pragma = check == IntegrityCheck.FULL ? "integrity_check" : "quick_check";
    List<String> found = new ArrayList<>();
    SqliteDialect dialect = new SqliteDialect();
    try (ResultSet rs = s.executeQuery("PRAGMA " + pragma + "(5)")) { // the first 5 problems are enough to tell
      while (rs.next()) {
        found.add(rs.getString(1));
      }
    } catch (SQLException e) {
      if (dialect.damage(e, db.toString()).isEmpty()) {
        throw e;
      }
      // a page so damaged that the check itself cannot go on
      throw new JournalDamagedException(dialect.damaged(db.toString(), "PRAGMA " + pragma + " stopped: "
          + e.getMessage()), e);
    }
    if (!found.equals(List.of("ok"))) {
      throw new JournalDamagedException(dialect.damaged(db.toString(), "PRAGMA " + pragma + " found: "
          + String.join("; ", found)));
    }
  }

  /**
   * Refuses, before anything is created, a path that cannot hold a journal this user can write: a folder, a file
   * under a file, a read-only folder or file. SQLite itself would open a read-only file read-only and fail at the
   * first write with a message that read like damage ("move it away").
   */
  private static void checkPath(Path db) {
    if (db.getFileName() == null || Files.isDirectory(db)) {
      throw new JournalException("journal " + db + " is a folder, not a file: give the journal file's path, e.g. "
          + db.resolve("leadrouter.db"));
    }
    for (Path p = db.getParent(); p != null; p = p.getParent()) {
      if (Files.exists(p)) {
        if (!Files.isDirectory(p)) {
          throw new JournalException("journal " + db + " cannot be used: " + p + " is a file, not a folder."
              + " Choose a journal path inside a folder");
        }
        boolean inside = p.equals(db.getParent());
        if (!Files.isWritable(p) && (inside || !Files.exists(db.getParent()))) {
          throw new JournalException("journal " + db + " cannot be written: " + (inside ? "its folder " + p
              : "the folder " + p + ", where its folder would be created,") + " is read-only for this user."
              + " Make the folder writable by the user running LeadRouter (it keeps " + names(db) + " there),"
              + " or choose another journal path");
        }
        break;
      }
    }
    if (Files.exists(db) && (!Files.isWritable(db) || !Files.isReadable(db))) {
      throw new JournalException("journal " + db + " cannot be written: the file is read-only for this user."
          + " Make it writable by the user running LeadRouter, or choose another journal path");
    }
  }

  private static String names(Path db) {
    String n = db.getFileName().toString();
    return n + ", " + n + ".lock, " + n + "-wal and " + n + "-shm";
  }

  /**
   * Whether {@code wal} is a SQLite write-ahead log with at least one frame (its header's magic number): only then
   * can it hold pages the main file lacks. Anything else there is ignored, and then deleted, by SQLite.
   */
  private static boolean walHoldsPages(Path wal) throws IOException {
    if (!Files.isRegularFile(wal) || Files.size(wal) <= 32) {
      return false;
    }
    byte[] head = new byte[4];
    try (InputStream in = Files.newInputStream(wal)) {
      if (in.readNBytes(head, 0, 4) < 4) {
        return false;
      }
    }
    int magic = ByteBuffer.wrap(head).getInt();
    return magic == 0x377f0682 || magic == 0x377f0683;
  }

  /** Refuses damaged files; returns whether the journal is new. */
  private static boolean checkFile(Path db, Path lockFile, FileChannel lockChannel) {
    if (!Files.exists(db)) {
      String marker = readMarker(lockChannel);
      if (marker.startsWith("created ")) {
        throw new JournalException("journal " + db + " is missing, but a journal was " + createdLine(marker).strip()
            + " (see " + lockFile + "). Restore the file from a backup, or delete " + lockFile
            + " to start a new, empty journal");
      }
      Path parent = db.getParent();
      try {
        if (parent != null) {
          Files.createDirectories(parent);
        }
      } catch (IOException e) {
        throw new JournalException("cannot create folder for journal " + db + ": " + reason(e)
            + ". Create the folder, or choose another journal path", e);
      }
      return true;
    }
    try {
      long size = Files.size(db);
      if (size == 0) {
        Path wal = db.resolveSibling(db.getFileName() + "-wal");
        if (!walHoldsPages(wal)) {
          throw new JournalException("journal " + db + " is empty (0 bytes): it was truncated or is not a journal."
              + " Restore it from a backup, or delete it to start a new, empty journal");
        }
        return false;
      }
      byte[] header = new byte[100];
      int n;
      try (InputStream in = Files.newInputStream(db)) {
        n = in.readNBytes(header, 0, 100);
      }
      for (int i = 0; i < MAGIC.length; i++) {
        if (n < MAGIC.length || header[i] != MAGIC[i]) {
          throw new JournalException("journal " + db + " is not a SQLite database (the file holds something else)."
              + " Restore it from a backup, or move it away to start a new, empty journal");
        }
      }
      Path wal = db.resolveSibling(db.getFileName() + "-wal");
      if (n == 100 && walHoldsPages(wal)) {
        // A crash during a checkpoint leaves the file shorter than its header says (page 1 is copied back first);
        // the WAL still holds the pages and SQLite recovers them, so the size says nothing here.
        return false;
      }
      if (n == 100) {
        ByteBuffer b = ByteBuffer.wrap(header);
        int pageSize = Short.toUnsignedInt(b.getShort(16));
        pageSize = pageSize == 1 ? 65536 : pageSize;
        long pages = Integer.toUnsignedLong(b.getInt(28));
        boolean countValid = b.getInt(24) == b.getInt(92) && pages > 0;
        if (size % pageSize != 0 || (countValid && size < pages * pageSize)) {
          throw new JournalException("journal " + db + " is truncated (" + size + " bytes, expected "
              + (pages * pageSize) + "). Restore it from a backup, or move it away to start a new, empty journal");
        }
      } else {
        throw new JournalException("journal " + db + " is truncated (" + size + " bytes)."
            + " Restore it from a backup, or move it away to start a new, empty journal");
      }
      return false;
    } catch (IOException e) {
      throw new JournalException("cannot read journal " + db + ": " + e.getMessage(), e);
    }
  }

  /**
   * The file a symbolic link names (through every link, a dangling one too): the lock file lies beside the journal
   * itself, so each name of it takes the one lock. A link's own lock file let a second router open the same journal,
   * and each took the other's deliveries in flight for a crashed run's and sent them again.
   */
  private static Path followLinks(Path db) {
    Path p = db;
    for (int hops = 0; hops < 40 && Files.isSymbolicLink(p); hops++) {
      try {
        p = p.resolveSibling(Files.readSymbolicLink(p)).normalize();
      } catch (IOException e) {
        return p; // unreadable: opening it says why
      }
    }
    return p;
  }

  /** What went wrong with a file, in words (the JDK's file exceptions often carry only the path). */
  private static String reason(IOException e) {
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied on " + e.getMessage();
    }
    if (e instanceof java.nio.file.FileAlreadyExistsException || e instanceof java.nio.file.NotDirectoryException) {
      return e.getMessage() + " is a file, not a folder";
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      return e.getMessage() + " cannot be created there (no such file or folder)";
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getFile() + ": " + f.getReason();
    }
    return String.valueOf(e.getMessage());
  }

  private static FileLock lock(Path db, Path lockFile) {
    try {
      if (db.getParent() != null) {
        Files.createDirectories(db.getParent());
      }
      synchronized (HELD) {
        // asked before any descriptor is opened: closing one (a refused second opener's) would drop the lock this
        // process holds, and let another process open the journal too
        if (HELD.containsKey(fileKey(lockFile))) {
          throw new JournalException("journal " + db + " is already open in another router in this process (lock "
              + lockFile + " is held). One journal file serves one router in one process: close that router first"
              + " or route through it, give each process its own file, or use the PostgreSQL journal to share a"
              + " backlog");
        }
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
        FileLock lock;
        try {
          lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
          lock = null;
        } catch (IOException | RuntimeException e) {
          ch.close();
          throw e;
        }
        if (lock == null) {
          String holder = holder(readMarker(ch)); // the lock does not keep others from reading
          ch.close(); // held by another process: closing drops nothing of ours
          throw new JournalException("journal " + db + " is already open in another router (lock " + lockFile
              + " is held" + (holder.isEmpty() ? "" : ", by " + holder) + "). One journal file serves one process:"
              + " give each process its own file, or use the PostgreSQL journal to share a backlog");
        }
        HELD.put(fileKey(lockFile), lock);
        return lock;
      }
    } catch (IOException e) {
      throw new JournalException("cannot lock journal " + db + " (" + lockFile + "): " + reason(e)
          + ". LeadRouter keeps " + names(db) + " in the journal's folder: make it writable by the user running"
          + " LeadRouter, or choose another journal path", e);
    }
  }

  // The marker is read and written through the locked channel only: on Linux, closing ANY descriptor of the lock file
  // in this process would release the lock (POSIX record locks belong to the process, not the descriptor).
  private static String readMarker(FileChannel lockChannel) {
    try {
      ByteBuffer buf = ByteBuffer.allocate((int) Math.min(lockChannel.size(), 4096));
      lockChannel.read(buf, 0);
      return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "";
    }
  }

  private static void writeMarker(FileChannel lockChannel, Path lockFile, Path db) {
    try {
      lockChannel.truncate(0);
      lockChannel.write(ByteBuffer.wrap(("created " + Instant.now() + " at " + db + "\n")
          .getBytes(StandardCharsets.UTF_8)), 0);
      lockChannel.force(true);
    } catch (IOException e) {
      throw new JournalException("cannot write journal marker " + lockFile + ": " + e.getMessage(), e);
    }
  }

  private static final String SEALED = "sealed ";
  private static final String HOLDER = "held by ";

  /**
   * Records in the lock file which process holds the journal, for the error a second process gets: replaced at the
   * next open (or by the seal of a clean close). Best effort: without it the error names no process.
   */
  private static void writeHolder(FileChannel lockChannel, Path db) {
    String host = System.getenv("HOSTNAME"); // no DNS lookup: opening a journal must not wait on a resolver
    try {
      writeMarkerText(lockChannel, createdLine(readMarker(lockChannel)) + HOLDER + "process "
          + ProcessHandle.current().pid() + (host == null || host.isBlank() ? "" : " on " + host.strip())
          + " since " + Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "\n");
    } catch (IOException e) {
      org.slf4j.LoggerFactory.getLogger(SqliteJournal.class).debug("journal {}: holder not recorded ({})", db,
          e.toString());
    }
  }

  /** The process a marker names as holding the journal ({@code process 123 on host since ...}), or "". */
  private static String holder(String marker) {
    return marker.lines().filter(l -> l.startsWith(HOLDER)).map(l -> l.substring(HOLDER.length()).strip())
        .filter(l -> l.length() <= 200 && l.chars().allMatch(c -> c >= 0x20 && c < 0x7f)).findFirst().orElse("");
  }

  /**
   * Seals a cleanly closed file (its connection closed, so the WAL is checkpointed into it): sets its modification
   * time to now plus random nanoseconds, a value no later write reproduces (the kernel stamps writes with its own
   * coarse clock), and records size and time in the lock file. Best effort: an unsealed file is simply checked.
   */
  private static void seal(FileChannel lockChannel, Path db) {
    try {
      Path wal = db.resolveSibling(db.getFileName() + "-wal");
      if (Files.exists(wal) && Files.size(wal) > 0) {
        return; // not fully checkpointed: leave it to the check
      }
      java.nio.file.attribute.FileTime stamp = java.nio.file.attribute.FileTime.from(Instant.now()
          .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
          .plusNanos(1 + java.util.concurrent.ThreadLocalRandom.current().nextInt(999_999_998)));
      Files.setLastModifiedTime(db, stamp);
      String created = createdLine(readMarker(lockChannel));
      writeMarkerText(lockChannel, created + SEALED + Files.size(db) + " " + nanos(Files.getLastModifiedTime(db))
          + "\n");
    } catch (IOException | RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(SqliteJournal.class).debug("journal {} not sealed ({}): it is checked at"
          + " the next open", db, e.toString());
    }
  }

  /** Whether the file is exactly as a clean close sealed it; removes the seal either way. */
  private static boolean unseal(FileChannel lockChannel, Path lockFile, Path db) {
    String marker = readMarker(lockChannel);
    int at = marker.indexOf(SEALED);
    if (at < 0) {
      return false;
    }
    boolean intact;
    try {
      String[] parts = marker.substring(at + SEALED.length()).strip().split(" ");
      Path wal = db.resolveSibling(db.getFileName() + "-wal");
      intact = parts.length == 2 && Long.parseLong(parts[0]) == Files.size(db)
          && Long.parseLong(parts[1]) == nanos(Files.getLastModifiedTime(db))
          && (!Files.exists(wal) || Files.size(wal) == 0);
    } catch (IOException | NumberFormatException e) {
      intact = false;
    }
    try {
      writeMarkerText(lockChannel, createdLine(marker));
    } catch (IOException e) {
      throw new JournalException("cannot write journal marker " + lockFile + ": " + e.getMessage(), e);
    }
    return intact;
  }

  private static long nanos(java.nio.file.attribute.FileTime t) {
    Instant i = t.toInstant();
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  private static String createdLine(String marker) {
    int nl = marker.indexOf('\n');
    String first = nl < 0 ? marker : marker.substring(0, nl);
    return first.startsWith("created ") ? first + "\n" : "";
  }

  private static void writeMarkerText(FileChannel lockChannel, String text) throws IOException {
    lockChannel.truncate(0);
    lockChannel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), 0);
    lockChannel.force(true);
  }

  /**
   * The lock files this process holds, by {@link #fileKey}: a second opener in this process is refused from here,
   * without opening the file (on Linux, closing any descriptor of a file drops the process's locks on it).
   */
  private static final Map<Object, FileLock> HELD = new HashMap<>();

  /** The file's identity (device and inode where the platform has them, so any spelling or link is the same). */
  private static Object fileKey(Path file) throws IOException {
    if (!Files.exists(file)) {
      return file; // nobody here holds a file that does not exist
    }
    Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    return key != null ? key : file.toRealPath();
  }

  private static void release(FileLock lock) {
    synchronized (HELD) {
      HELD.values().remove(lock);
    }
    try {
      lock.release();
      lock.channel().close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}

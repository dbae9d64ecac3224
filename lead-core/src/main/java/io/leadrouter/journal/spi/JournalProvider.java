package io.leadrouter.journal.spi;

import io.leadrouter.RouterDescriptor;
import io.leadrouter.journal.LeadJournal;

/**
 * Opens a journal type named in descriptors ({@code journal: {type: ...}}) and on the command line
 * ({@code --journal}); found with {@link java.util.ServiceLoader} (register the implementation in
 * {@code META-INF/services/io.leadrouter.journal.spi.JournalProvider}). lead-journal-postgres provides
 * {@code postgresql}.
 */
public interface JournalProvider {

  /** The journal type this provider opens, as written in {@code journal.type}, e.g. {@code postgresql}. */
  String type();

  /**
   * Opens the journal the settings describe.
   *
   * @throws io.leadrouter.ConfigurationException if a setting is missing or wrong, naming it and the fix
   * @throws io.leadrouter.journal.JournalException if the journal cannot be opened (unreachable, refused)
   */
  LeadJournal open(RouterDescriptor.JournalSettings settings);
}

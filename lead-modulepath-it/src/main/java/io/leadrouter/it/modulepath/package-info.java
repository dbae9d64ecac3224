/**
 * A small application that runs the router with only {@code --module-path} (no class path), started by
 * {@code ModulePathTest}: it proves the published modules' {@code module-info} files (exports, {@code uses},
 * {@code provides}) are enough. Not published.
 */
package io.leadrouter.it.modulepath;

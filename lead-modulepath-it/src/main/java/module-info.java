/** An application on the module path: requires only the core; sinks come from whatever modules provide them. */
module io.leadrouter.it.modulepath {
  requires io.leadrouter.core;

  uses io.leadrouter.spi.LeadSinkProvider;
}

"""hallgw subcommands, one module each, discovered by gateway.cli."""

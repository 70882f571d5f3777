"""The command-line shell: parse, call one library function, print."""

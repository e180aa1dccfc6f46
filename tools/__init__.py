"""Development tools, not part of the installed app: the soak run, the J/Z motion benchmark,
synthetic hands and motion paths."""

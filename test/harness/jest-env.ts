// Quiet logs in tests unless asked for; tests that inspect log lines raise the level themselves.
process.env.LOG_LEVEL ??= 'warn';

// Structured JSON-lines logs on stderr; one object per line so journald/filebeat can ship them as-is.

export type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export type Logger = (level: Level, msg: string, fields?: Record<string, unknown>) => void;

export function createLogger(minLevel: Level, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  return (level, msg, fields) => {
    if (ORDER[level] < ORDER[minLevel]) return;
    write(JSON.stringify({ ts: new Date().toISOString(), level, msg, ...fields }) + "\n");
  };
}

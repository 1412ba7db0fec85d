import pino from "pino";

export type Logger = pino.Logger;

const destinations = new WeakMap<Logger, pino.DestinationStream>();
const base = { service: "critique" };

/** Structured JSON logs on stdout. Credentials never reach a log line, wherever they sit in the object. */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination({ fd: 1, sync: false })): Logger {
  const logger = pino(
    {
      level,
      base,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          "authorization",
          "*.authorization",
          "headers.authorization",
          "*.headers.authorization",
          "key",
          "*.key",
          "apiKey",
          "*.apiKey",
          "secret",
          "*.secret",
          "password",
          "*.password",
          "token",
          "*.token",
          "privateKey",
          "*.privateKey",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
  destinations.set(logger, destination);
  return logger;
}

/**
 * The access log: one line per request with fixed scalar fields only (method, route, status, duration, request
 * id), so it skips redaction, which costs more than the rest of the line. Same level and same stream as `log`
 * (one buffer: lines never interleave).
 */
export function accessLogger(log: Logger): Logger {
  const destination = destinations.get(log);
  if (!destination) return log;
  return pino({ level: log.level, base, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** Masks anything that looks like one of our keys inside free text (error messages, upstream bodies). */
export function redactKeys(text: string): string {
  return text.replace(/crt_[0-9A-Za-z]{6,}/g, "crt_[redacted]");
}

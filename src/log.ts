import pino from "pino";

export type Logger = pino.Logger;

/** Structured JSON logs on stdout. Credentials never reach a log line, wherever they sit in the object. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "critique" },
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
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

/** Masks anything that looks like one of our keys inside free text (error messages, upstream bodies). */
export function redactKeys(text: string): string {
  return text.replace(/crt_[0-9A-Za-z]{6,}/g, "crt_[redacted]");
}

# syntax=docker/dockerfile:1
# Critique as one self-contained binary on a slim glibc base.
#   docker build -t critique .
#   docker run -p 8080:8080 -v critique-data:/data critique
# No Docker engine runs in CI: this file is kept simple and is not part of the test suite.

# --- build: install pinned dependencies, compile dist/critique (migrations, OpenAPI, docs UI embedded)
FROM oven/bun:1.4.5 AS build
WORKDIR /src
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile
COPY tsconfig.json ./
COPY src ./src
COPY plugins ./plugins
COPY db ./db
RUN bun run build && ./dist/critique --help >/dev/null

# --- run: the binary alone (it needs glibc, which debian-slim has), as an unprivileged user
FROM debian:bookworm-slim
# Coding-agent runs: bubblewrap for the local sandbox, git and tar for the workspace (no network is needed at run time).
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap git tar ca-certificates \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 critique \
 && useradd --system --uid 10001 --gid critique --home-dir /data --no-create-home --shell /usr/sbin/nologin critique \
 && mkdir -p /data && chown critique:critique /data
COPY --from=build /src/dist/critique /usr/local/bin/critique
# The pinned OpenCode binary (from the opencode-ai package) that coding-agent runs execute inside their sandbox.
COPY --from=build /src/node_modules/opencode-linux-x64/bin/opencode /usr/local/lib/critique/opencode
# MIMALLOC_PURGE_DELAY=-1 is what `critique serve` would restart itself with (src/cli/allocator.ts); set here, it
# starts once instead of twice.
ENV HOST=0.0.0.0 \
    PORT=8080 \
    CRITIQUE_DATA_DIR=/data \
    CRITIQUE_OPENCODE_BIN=/usr/local/lib/critique/opencode \
    MIMALLOC_PURGE_DELAY=-1
VOLUME ["/data"]
WORKDIR /data
USER critique:critique
EXPOSE 8080
# The image has no curl: BUN_BE_BUN=1 makes the compiled binary act as the Bun runtime for one line of fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD BUN_BE_BUN=1 /usr/local/bin/critique -e "const r = await fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz'); process.exit(r.ok ? 0 : 1)"
ENTRYPOINT ["/usr/local/bin/critique"]
CMD ["serve"]

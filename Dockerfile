# aksgate as a container: a static musl binary on an empty image (about the binary's
# size). Build: docker build -t aksgate .
# Run:   docker run --rm -v "$PWD:/src" aksgate check .
# The image has no git: `--base REF` needs git, so run that form with a release binary.
FROM rust:1-alpine AS build
# gcc and make build jemalloc (tikv-jemalloc-sys); musl-dev the static C runtime.
RUN apk add --no-cache gcc make musl-dev
WORKDIR /build
# Dependencies first, so a source change does not refetch them.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo fetch --locked && rm -rf src
COPY build.rs ./
COPY src ./src
COPY policies ./policies
COPY docs/rules ./docs/rules
RUN cargo build --release --locked \
    && strip target/release/aksgate \
    && ./target/release/aksgate --version \
    && mkdir -p /out/tmp && chmod 1777 /out/tmp \
    && cp target/release/aksgate /out/aksgate

FROM scratch
# Findings past a budget spill to TMPDIR: the empty image needs a writable /tmp.
COPY --from=build /out/tmp /tmp
COPY --from=build /out/aksgate /usr/local/bin/aksgate
ENV TMPDIR=/tmp NO_COLOR=1
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/aksgate"]
CMD ["check", "."]

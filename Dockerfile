# One image holds every binary; compose picks the command per service.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bins \
 && mkdir /out \
 && cp target/release/qbench-sim target/release/qbench-fetcher target/release/qbench-loader \
       target/release/qbench-api target/release/qbenchctl /out/

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 mirror
COPY --from=build /out/ /usr/local/bin/
USER mirror

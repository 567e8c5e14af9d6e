# One image holds every binary and the built dashboard; compose picks the
# command per service.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# Only the services: the benchmark tools stay out of the image.
RUN cargo build --release --locked \
      -p qbench-sim -p qbench-fetcher -p qbench-loader -p qbench-api -p qbenchctl \
 && mkdir /out \
 && cp target/release/qbench-sim target/release/qbench-fetcher target/release/qbench-loader \
       target/release/qbench-api target/release/qbenchctl /out/

# The dashboard qbench-api serves at /dashboard/.
FROM node:22-bookworm-slim AS dashboard
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 mirror \
 && mkdir -p /var/lib/qbench-mirror/sync_reports \
 && chown -R mirror /var/lib/qbench-mirror
COPY --from=build /out/ /usr/local/bin/
COPY --from=dashboard /frontend/dist/ /usr/local/share/qbench-mirror/dashboard/
# Relative paths (sync reports) resolve somewhere the service may write.
WORKDIR /var/lib/qbench-mirror
ENV DASHBOARD_DIR=/usr/local/share/qbench-mirror/dashboard \
    SYNC_REPORT_DIR=/var/lib/qbench-mirror/sync_reports
USER mirror

// The migrations are embedded when this crate compiles (`sqlx::migrate!`),
// so a new or changed migration must rebuild it even when no source did.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}

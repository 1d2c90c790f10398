// Shared by the credential's unit tests and the HTTP tests (`include!`d by both): every error of an
// instance against 1EdTech's official Open Badges 3.0 AchievementCredential JSON Schema, whose copy
// beside this file makes the check need nothing outside the repository.

/// Every error of `instance` against the official Open Badges 3.0 AchievementCredential schema.
pub(crate) fn open_badges_schema_errors(instance: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("ob_v3p0_achievementcredential_schema.json")).expect("the schema is JSON");
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler.add_resource("ob3.json", schema).expect("the schema loads");
    let index = compiler.compile("ob3.json", &mut schemas).expect("the schema compiles");
    match schemas.validate(instance, index) {
        Ok(()) => Vec::new(),
        Err(e) => format!("{e:#}").lines().map(str::to_owned).collect(),
    }
}

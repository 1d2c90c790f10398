//! Certificates that verify themselves: every published certificate is also an **Open Badges 3.0**
//! credential in the **W3C Verifiable Credentials 2.0** data model, signed with the issuer's Ed25519
//! key as a Data Integrity proof (`eddsa-jcs-2022`: SHA-256 of the JCS-canonical proof options and
//! document, signed, multibase base58btc). The issuer is a `did:web` whose DID document (served at
//! `/.well-known/did.json`) lists every key ever used, so old credentials keep verifying after a
//! rotation. Revocation is a Bitstring Status List. Everything here is pure: no I/O, so `pix verify`
//! checks a file offline with the same code the server signs with.

use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Multicodec prefix of an Ed25519 public key in a `Multikey` (`0xed01`).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];

/// Entries in one status list: the specification's minimum (16 KiB of bits), so that a list does
/// not tell how many certificates exist.
pub const STATUS_LIST_SIZE: u64 = 131_072;

/// An issuer key: its id (the DID URL fragment) and key pair.
#[derive(Clone)]
pub struct IssuerKey {
    /// `key-1`, `key-2`… (newest signs).
    pub id: String,
    /// The key pair.
    pub signing: SigningKey,
}

impl IssuerKey {
    /// A key from its id and 32-byte seed.
    pub fn from_seed(id: &str, seed: &[u8; 32]) -> IssuerKey {
        IssuerKey { id: id.to_owned(), signing: SigningKey::from_bytes(seed) }
    }

    /// The public key as a `Multikey` (`z6Mk…`).
    pub fn multikey(&self) -> String {
        multikey(self.signing.verifying_key().as_bytes())
    }
}

/// A public key as a `Multikey` value: multibase base58btc of the multicodec-prefixed key.
pub fn multikey(public: &[u8; 32]) -> String {
    let mut bytes = ED25519_PUB.to_vec();
    bytes.extend_from_slice(public);
    format!("z{}", bs58::encode(bytes).into_string())
}

/// The Ed25519 public key of a `Multikey` value.
pub fn parse_multikey(value: &str) -> Option<VerifyingKey> {
    let bytes = bs58::decode(value.strip_prefix('z')?).into_vec().ok()?;
    let key: [u8; 32] = bytes.strip_prefix(&ED25519_PUB)?.try_into().ok()?;
    VerifyingKey::from_bytes(&key).ok()
}

/// The `did:web` of a public URL: host (a port's colon percent-encoded), then path segments.
pub fn did_web(public_url: &str) -> String {
    let rest = public_url.split_once("://").map_or(public_url, |(_, r)| r).trim_end_matches('/');
    let mut parts = rest.split('/');
    let host = parts.next().unwrap_or_default().replace(':', "%3A");
    std::iter::once(format!("did:web:{host}")).chain(parts.map(str::to_owned)).collect::<Vec<_>>().join(":")
}

/// The issuer's DID document: every key (retired ones too) as a `Multikey` verification method.
pub fn did_document(did: &str, keys: &[PublishedKey]) -> Value {
    let methods: Vec<Value> = keys
        .iter()
        .map(|k| {
            let mut method = json!({ "id": format!("{did}#{}", k.id), "type": "Multikey", "controller": did, "publicKeyMultibase": k.public_key });
            // Controlled Identifiers 1.0 `revoked`: no proof made at or after it verifies.
            if let Some(retired) = &k.retired {
                method["revoked"] = json!(retired);
            }
            method
        })
        .collect();
    let ids: Vec<String> = keys.iter().map(|k| format!("{did}#{}", k.id)).collect();
    json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    })
}

/// A key of the issuer's DID document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedKey {
    /// `key-N`.
    pub id: String,
    /// `Multikey` public key.
    pub public_key: String,
    /// When it stopped signing (RFC 3339 UTC): proofs made since do not verify.
    pub retired: Option<String>,
}

/// JSON Canonicalization Scheme (RFC 8785) for documents without floating-point numbers: members
/// sorted by UTF-16 code units, no whitespace, strings escaped as ECMAScript does.
pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// What `eddsa-jcs-2022` signs: the hash of the proof options, then the hash of the document.
fn signing_input(document: &Value, options: &Value) -> Vec<u8> {
    let mut input = Sha256::digest(canonical(options).as_bytes()).to_vec();
    input.extend_from_slice(&Sha256::digest(canonical(document).as_bytes()));
    input
}

/// Adds a Data Integrity proof (`eddsa-jcs-2022`) made with `key` by the issuer `did`.
pub fn sign(mut document: Value, key: &IssuerKey, did: &str, created: &str) -> Value {
    let mut options = json!({
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": created,
        "verificationMethod": format!("{did}#{}", key.id),
        "proofPurpose": "assertionMethod",
    });
    // The proof options carry the document's context (the cryptosuite requires it).
    options["@context"] = document["@context"].clone();
    let signature = key.signing.sign(&signing_input(&document, &options));
    let mut proof = options;
    proof["proofValue"] = json!(format!("z{}", bs58::encode(signature.to_bytes()).into_string()));
    // A set of one proof (VC 2.0 allows an object too; Open Badges 3.0's schema wants the set).
    document["proof"] = json!([proof]);
    document
}

/// A document's proof (alone or the first of its set).
pub fn proof_of(document: &Value) -> &Value {
    match &document["proof"] {
        Value::Array(set) => set.first().unwrap_or(&Value::Null),
        proof => proof,
    }
}

/// An RFC 3339 moment (any precision, any offset).
fn instant(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// Why a credential does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Not a credential of the expected shape.
    #[error("not a signed credential: {0}")]
    Malformed(&'static str),
    /// The key named by the proof is not among the issuer's keys.
    #[error("the signing key {0} is not one of the issuer's keys")]
    UnknownKey(String),
    /// The proof is dated after its key stopped signing, or in the future.
    #[error("the proof's date is outside the validity of the key {0}")]
    OutsideKeyValidity(String),
    /// The credential was not issued by the expected issuer.
    #[error("issued by {found}, not by the expected issuer {expected}")]
    WrongIssuer {
        /// The DID the verifier expects.
        expected: String,
        /// The DID of the credential (or of the DID document given).
        found: String,
    },
    /// The signature does not match: the document was changed or not signed by that key.
    #[error("the signature does not match the document")]
    BadSignature,
    /// The issuer revoked it (status list).
    #[error("revoked by the issuer")]
    Revoked,
    /// The status list given is not the one the credential names, or is not signed by the issuer.
    #[error("the status list does not fit this credential: {0}")]
    StatusList(&'static str),
}

/// Checks a Data Integrity proof against the issuer's DID document; returns the key used.
pub fn verify_proof(document: &Value, did_document: &Value) -> Result<String, VerifyError> {
    // One proof, alone or as a set of one (credentials issued before the set carry it alone).
    let proof = match document.get("proof").ok_or(VerifyError::Malformed("no proof"))? {
        Value::Array(set) if set.len() == 1 => &set[0],
        Value::Array(_) => return Err(VerifyError::Malformed("one proof expected")),
        proof => proof,
    };
    if proof["type"] != "DataIntegrityProof" || proof["cryptosuite"] != "eddsa-jcs-2022" {
        return Err(VerifyError::Malformed("unsupported proof"));
    }
    // A key listed for assertions proves what the issuer asserts, nothing else (an authentication
    // proof replayed as a credential's is refused).
    if proof["proofPurpose"] != "assertionMethod" {
        return Err(VerifyError::Malformed("the proof's purpose is not assertionMethod"));
    }
    let created = proof["created"].as_str().ok_or(VerifyError::Malformed("a proof without its date"))?;
    let method = proof["verificationMethod"].as_str().ok_or(VerifyError::Malformed("no verification method"))?;
    let issuer = document["issuer"].as_str().or_else(|| document["issuer"]["id"].as_str());
    let did = did_document["id"].as_str().ok_or(VerifyError::Malformed("DID document without id"))?;
    if issuer != Some(did) || !method.starts_with(&format!("{did}#")) {
        return Err(VerifyError::UnknownKey(method.to_owned()));
    }
    let listed = did_document["assertionMethod"].as_array().is_some_and(|a| a.iter().any(|m| m == method));
    let published =
        did_document["verificationMethod"].as_array().and_then(|methods| methods.iter().find(|m| m["id"] == method));
    let created = instant(created).ok_or(VerifyError::Malformed("a proof date that is not RFC 3339"))?;
    if let Some(retired) = published.and_then(|m| m["revoked"].as_str()) {
        // A key whose end cannot be read is not trusted at all.
        if instant(retired).is_none_or(|retired| created >= retired) {
            return Err(VerifyError::OutsideKeyValidity(method.to_owned()));
        }
    }
    let key = published
        .and_then(|m| m["publicKeyMultibase"].as_str())
        .and_then(parse_multikey)
        .filter(|_| listed)
        .ok_or_else(|| VerifyError::UnknownKey(method.to_owned()))?;
    let value = proof["proofValue"].as_str().and_then(|v| v.strip_prefix('z')).ok_or(VerifyError::BadSignature)?;
    let bytes: [u8; 64] =
        bs58::decode(value).into_vec().ok().and_then(|b| b.try_into().ok()).ok_or(VerifyError::BadSignature)?;
    let mut unsigned = document.clone();
    unsigned.as_object_mut().map(|d| d.remove("proof"));
    let mut options = proof.clone();
    options.as_object_mut().map(|p| p.remove("proofValue"));
    options["@context"] = unsigned["@context"].clone();
    key.verify_strict(&signing_input(&unsigned, &options), &Signature::from_bytes(&bytes))
        .map_err(|_| VerifyError::BadSignature)?;
    Ok(method.to_owned())
}

/// The bits of a status list with the given positions set, GZIP-compressed and encoded as the
/// specification says (multibase base64url without padding). Bit 0 is the first byte's highest.
pub fn encode_status_list(set: &[u64]) -> String {
    let mut bits = vec![0_u8; (STATUS_LIST_SIZE / 8) as usize];
    for &i in set.iter().filter(|i| **i < STATUS_LIST_SIZE) {
        bits[(i / 8) as usize] |= 0x80 >> (i % 8);
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gz, &bits).expect("writing to memory");
    let compressed = gz.finish().expect("writing to memory");
    format!("u{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(compressed))
}

/// Whether position `index` is set in an encoded status list (`None`: not a valid list).
pub fn status_bit(encoded: &str, index: u64) -> Option<bool> {
    let compressed = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(encoded.strip_prefix('u')?).ok()?;
    let mut bits = Vec::new();
    // A list is 16 KiB: refuse anything that inflates far beyond (a zip bomb in a file to check).
    let reader = flate2::read::GzDecoder::new(compressed.as_slice());
    std::io::Read::read_to_end(&mut std::io::Read::take(reader, 16 * STATUS_LIST_SIZE), &mut bits).ok()?;
    let byte = bits.get(usize::try_from(index / 8).ok()?)?;
    Some(byte & (0x80 >> (index % 8)) != 0)
}

/// What a certificate says, for its credential.
#[derive(Debug, Clone)]
pub struct Claims {
    /// Where the credential can be fetched again (its id).
    pub id: String,
    /// The holder's name as certified.
    pub holder: String,
    /// Certification version (3 adaptive, 2 three questions per competence).
    pub version: i64,
    /// Pix score, its highest value for the version, and its measurement error (v3).
    pub score: (i64, i64, Option<i64>),
    /// Global level label (v3).
    pub level: Option<String>,
    /// Competence code, name and level.
    pub competences: Vec<(String, String, u32)>,
    /// When the test ended (RFC 3339 UTC), the centre's id (a URI) and its name.
    pub taken: (String, String, String),
    /// Verification code `P-XXXXXXXX`.
    pub verification_code: String,
    /// Status list URL and position.
    pub status: (String, u64),
}

/// The unsigned Open Badges 3.0 credential of a certificate, issued by `did` (named `issuer_name`,
/// at `public_url`): valid from the moment the test ended, whenever it is signed.
pub fn credential(public_url: &str, did: &str, issuer_name: &str, claims: &Claims) -> Value {
    let v2 = claims.version == 2;
    let achievement = format!("{public_url}/credentials/achievements/pix-certification{}", if v2 { "-v2" } else { "" });
    let (score, max, error) = claims.score;
    let mut results = vec![
        json!({ "type": ["Result"], "resultDescription": format!("{achievement}#score"), "value": score.to_string() }),
    ];
    let mut descriptions = vec![
        json!({ "id": format!("{achievement}#score"), "type": ["ResultDescription"], "name": "Score Pix", "resultType": "ScaledScore", "valueMin": "0", "valueMax": max.to_string() }),
    ];
    if let Some(error) = error {
        results.push(json!({ "type": ["Result"], "resultDescription": format!("{achievement}#error"), "value": error.to_string() }));
        descriptions.push(json!({ "id": format!("{achievement}#error"), "type": ["ResultDescription"], "name": "Erreur de mesure du score (±)", "resultType": "ext:MeasurementError" }));
    }
    if let Some(level) = &claims.level {
        results
            .push(json!({ "type": ["Result"], "resultDescription": format!("{achievement}#level"), "value": level }));
        descriptions.push(json!({ "id": format!("{achievement}#level"), "type": ["ResultDescription"], "name": "Niveau global", "resultType": "PerformanceLevel" }));
    }
    results.extend(claims.competences.iter().map(|(code, _, level)| {
        json!({ "type": ["Result"], "resultDescription": format!("{achievement}#competence-{code}"), "value": level.to_string() })
    }));
    descriptions.extend(claims.competences.iter().map(|(code, name, _)| {
        json!({ "id": format!("{achievement}#competence-{code}"), "type": ["ResultDescription"], "name": format!("{code} {name}"), "resultType": "PerformanceLevel", "valueMin": "0", "valueMax": "8" })
    }));
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": claims.id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": { "id": did, "type": ["Profile"], "name": issuer_name, "url": public_url },
        "validFrom": claims.taken.0,
        "name": "Certification Pix",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{ "type": "IdentityObject", "identityType": "name", "hashed": false, "identityHash": claims.holder }],
            "activityEndDate": claims.taken.0,
            "source": { "id": claims.taken.1, "type": ["Profile"], "name": claims.taken.2 },
            "achievement": {
                "id": achievement,
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": "Certification Pix",
                "description": "Certification des compétences numériques du cadre de référence européen DigComp, passée sous surveillance dans un centre agréé.",
                "criteria": { "narrative": if v2 {
                    format!("Test surveillé de trois questions par compétence certifiable, confirmant les niveaux du profil ; score de 0 à {max}.")
                } else {
                    format!("Test adaptatif surveillé sur les 16 compétences du référentiel ; score de 0 à {max}.")
                } },
                "resultDescription": descriptions,
            },
            "result": results,
        },
        "credentialStatus": {
            "id": format!("{}#{}", claims.status.0, claims.status.1),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": claims.status.1.to_string(),
            "statusListCredential": claims.status.0,
        },
        "evidence": [{ "type": ["Evidence"], "name": "Code de vérification", "description": claims.verification_code }],
    })
}

/// The unsigned status list credential at `url` with the given positions revoked, valid from and
/// until the given moments (RFC 3339, UTC).
pub fn status_list_credential(url: &str, did: &str, revoked: &[u64], valid: (&str, &str)) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": valid.0,
        "validUntil": valid.1,
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_status_list(revoked),
        },
    })
}

/// What a verified credential certifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The key that signed it.
    pub key: String,
    /// Whether the status list was checked.
    pub status_checked: bool,
}

/// Verifies a certificate credential offline: its proof against the issuer's DID document and, when
/// given, its revocation in the status list (itself signed by the issuer, for revocation, and still
/// valid at `now`, RFC 3339 UTC: an old list saved before a revocation is refused).
pub fn verify(
    credential: &Value,
    did_document: &Value,
    status_list: Option<&Value>,
    now: &str,
) -> Result<Verified, VerifyError> {
    let types = credential["type"].as_array().ok_or(VerifyError::Malformed("no type"))?;
    if !types.iter().any(|t| t == "OpenBadgeCredential") {
        return Err(VerifyError::Malformed("not an Open Badges credential"));
    }
    let key = verify_proof(credential, did_document)?;
    // A proof dated after now (beyond clocks' drift) was not made when it says.
    let now = instant(now).ok_or(VerifyError::Malformed("the verifier's time is not RFC 3339"))?;
    let created = proof_of(credential)["created"].as_str().and_then(instant);
    if created.is_some_and(|created| created > now + time::Duration::minutes(5)) {
        return Err(VerifyError::OutsideKeyValidity(key));
    }
    let Some(list) = status_list else { return Ok(Verified { key, status_checked: false }) };
    let entry = &credential["credentialStatus"];
    if list["id"] != entry["statusListCredential"] {
        return Err(VerifyError::StatusList("another list"));
    }
    let is_list = list["type"].as_array().is_some_and(|t| t.iter().any(|t| t == "BitstringStatusListCredential"));
    if !is_list || list["credentialSubject"]["statusPurpose"] != entry["statusPurpose"] {
        return Err(VerifyError::StatusList("not a revocation list"));
    }
    if list["validUntil"].as_str().and_then(instant).is_none_or(|until| until <= now) {
        return Err(VerifyError::StatusList("expired: fetch it again"));
    }
    verify_proof(list, did_document).map_err(|_| VerifyError::StatusList("not signed by the issuer"))?;
    let index: u64 =
        entry["statusListIndex"].as_str().and_then(|i| i.parse().ok()).ok_or(VerifyError::StatusList("no position"))?;
    let encoded = list["credentialSubject"]["encodedList"].as_str().ok_or(VerifyError::StatusList("no bits"))?;
    match status_bit(encoded, index) {
        Some(true) => Err(VerifyError::Revoked),
        Some(false) => Ok(Verified { key, status_checked: true }),
        None => Err(VerifyError::StatusList("unreadable bits")),
    }
}

/// [`verify`] for a verifier who knows whom to trust: the DID document must be the expected
/// issuer's (`did:web:…`), whatever file or server it came from — a document that names another DID,
/// or a credential another issuer signed, is refused before anything else.
pub fn verify_issued_by(
    expected_issuer: &str,
    credential: &Value,
    did_document: &Value,
    status_list: Option<&Value>,
    now: &str,
) -> Result<Verified, VerifyError> {
    let wrong = |found: Option<&str>| VerifyError::WrongIssuer {
        expected: expected_issuer.to_owned(),
        found: found.unwrap_or("nobody").to_owned(),
    };
    let document = did_document["id"].as_str();
    if document != Some(expected_issuer) {
        return Err(wrong(document));
    }
    let issuer = credential["issuer"]["id"].as_str().or_else(|| credential["issuer"].as_str());
    if issuer != Some(expected_issuer) {
        return Err(wrong(issuer));
    }
    verify(credential, did_document, status_list, now)
}

/// What a certificate credential certifies, as lines a person reads.
pub fn describe(credential: &Value) -> Vec<String> {
    let subject = &credential["credentialSubject"];
    let holder = subject["identifier"][0]["identityHash"].as_str().unwrap_or("?");
    let names: std::collections::HashMap<&str, &str> = subject["achievement"]["resultDescription"]
        .as_array()
        .map(|d| d.iter().filter_map(|r| Some((r["id"].as_str()?, r["name"].as_str()?))).collect())
        .unwrap_or_default();
    let result = |suffix: &str| {
        subject["result"].as_array().and_then(|r| {
            r.iter().find(|x| x["resultDescription"].as_str().is_some_and(|d| d.ends_with(suffix)))?["value"].as_str()
        })
    };
    let mut lines = vec![
        format!("Holder: {holder}"),
        format!(
            "{}, taken {} at {}",
            credential["name"].as_str().unwrap_or("?"),
            subject["activityEndDate"].as_str().unwrap_or("?").get(..10).unwrap_or("?"),
            subject["source"]["name"].as_str().unwrap_or("?")
        ),
        {
            let max = subject["achievement"]["resultDescription"]
                .as_array()
                .and_then(|d| d.iter().find(|r| r["id"].as_str().is_some_and(|i| i.ends_with("#score"))))
                .and_then(|r| r["valueMax"].as_str())
                .unwrap_or("?");
            let mut line = format!("Score: {} / {max}", result("#score").unwrap_or("?"));
            if let Some(error) = result("#error") {
                line.push_str(&format!(" (± {error})"));
            }
            if let Some(level) = result("#level") {
                line.push_str(&format!(", global level: {level}"));
            }
            line
        },
    ];
    for r in subject["result"].as_array().into_iter().flatten() {
        let Some(id) = r["resultDescription"].as_str().filter(|d| d.contains("#competence-")) else { continue };
        lines.push(format!("  {}: level {}", names.get(id).unwrap_or(&id), r["value"].as_str().unwrap_or("?")));
    }
    lines.push(format!("Verification code: {}", credential["evidence"][0]["description"].as_str().unwrap_or("?")));
    lines.push(format!(
        "Issuer: {} ({})",
        credential["issuer"]["name"].as_str().unwrap_or("?"),
        credential["issuer"]["id"].as_str().unwrap_or("?")
    ));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            id: "https://pix.example/credentials/P-ABCDEFGH".into(),
            holder: "Léa APPRENANTE".into(),
            version: 3,
            score: (612, 895, Some(35)),
            level: Some("Avancé".into()),
            competences: vec![("1.1".into(), "Mener une recherche".into(), 4)],
            taken: (
                "2026-11-20T10:45:00Z".into(),
                "urn:uuid:0191d1c6-6f3c-7a51-9f57-1f2d6c1c2b3a".into(),
                "Médiathèque".into(),
            ),
            verification_code: "P-ABCDEFGH".into(),
            status: ("https://pix.example/credentials/status/1".into(), 7),
        }
    }

    fn issuer() -> (IssuerKey, IssuerKey, Value) {
        let old = IssuerKey::from_seed("key-1", &[7; 32]);
        let new = IssuerKey::from_seed("key-2", &[9; 32]);
        let did = did_web("https://pix.example");
        let published =
            |id: &str, key: &IssuerKey| PublishedKey { id: id.into(), public_key: key.multikey(), retired: None };
        let doc = did_document(&did, &[published("key-1", &old), published("key-2", &new)]);
        (old, new, doc)
    }

    include!("../../tests/data/open_badges_schema.rs");

    /// What the schema cannot say: a result described as a `Status` must carry its status.
    fn status_results_without_status(instance: &Value) -> Vec<String> {
        let subject = &instance["credentialSubject"];
        let status_ids: Vec<&str> = subject["achievement"]["resultDescription"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["resultType"] == "Status")
            .filter_map(|d| d["id"].as_str())
            .collect();
        subject["result"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| {
                r["resultDescription"].as_str().is_some_and(|d| status_ids.contains(&d)) && r.get("status").is_none()
            })
            .map(|r| r["resultDescription"].to_string())
            .collect()
    }

    #[test]
    fn credentials_conform_to_the_official_open_badges_schema() {
        let did = did_web("https://pix.example");
        let key = IssuerKey::from_seed("key-1", &[7; 32]);
        let v3 = sign(credential("https://pix.example", &did, "Pix", &claims()), &key, &did, T);
        let mut v2_claims = claims();
        (v2_claims.version, v2_claims.score, v2_claims.level) = (2, (512, 768, None), None);
        let v2 = sign(credential("https://pix.example", &did, "Pix", &v2_claims), &key, &did, T);
        for vc in [&v3, &v2] {
            assert_eq!(open_badges_schema_errors(vc), Vec::<String>::new());
            assert_eq!(status_results_without_status(vc), Vec::<String>::new());
        }
        // The checks can fail: the shapes the issue found wrong are refused.
        let mut wrong = v3.clone();
        wrong["credentialSubject"]["identifier"][0]["type"] = json!(["IdentityObject"]);
        assert!(!open_badges_schema_errors(&wrong).is_empty(), "identifier type as an array");
        let mut wrong = v3.clone();
        wrong["credentialSubject"]["source"].as_object_mut().unwrap().remove("id");
        assert!(!open_badges_schema_errors(&wrong).is_empty(), "a source profile without id");
        let mut wrong = v3;
        wrong["credentialSubject"]["achievement"]["resultDescription"][1]["resultType"] = json!("Status");
        assert_eq!(status_results_without_status(&wrong).len(), 1);
    }

    #[test]
    fn did_web_encodes_the_port_and_path() {
        assert_eq!(did_web("https://pix.example"), "did:web:pix.example");
        assert_eq!(did_web("http://127.0.0.1:8080/"), "did:web:127.0.0.1%3A8080");
        assert_eq!(did_web("https://example.org/pix/"), "did:web:example.org:pix");
    }

    #[test]
    fn canonical_json_sorts_members_and_escapes_as_jcs() {
        let v = json!({ "b": [1, "é\n"], "a": { "z": null, "\u{e9}": true, "A": false } });
        assert_eq!(canonical(&v), "{\"a\":{\"A\":false,\"z\":null,\"é\":true},\"b\":[1,\"é\\n\"]}");
    }

    #[test]
    fn a_signed_credential_verifies_with_any_published_key_and_nothing_else() {
        let (old, new, doc) = issuer();
        let did = did_web("https://pix.example");
        let unsigned = credential("https://pix.example", &did, "Pix", &claims());
        let by_old = sign(unsigned.clone(), &old, &did, "2026-11-29T10:00:00Z");
        let by_new = sign(unsigned, &new, &did, "2026-11-29T10:00:00Z");
        assert_eq!(verify(&by_old, &doc, None, NOW).unwrap().key, format!("{did}#key-1"), "old keys keep verifying");
        assert_eq!(verify(&by_new, &doc, None, NOW).unwrap().key, format!("{did}#key-2"));
        // A changed score, another issuer, a key not in the document: refused.
        let mut forged = by_new.clone();
        forged["credentialSubject"]["result"][0]["value"] = json!("895");
        assert_eq!(verify(&forged, &doc, None, NOW), Err(VerifyError::BadSignature));
        let stranger = IssuerKey::from_seed("key-3", &[1; 32]);
        let foreign = sign(credential("https://pix.example", &did, "Pix", &claims()), &stranger, &did, T);
        assert_eq!(verify(&foreign, &doc, None, NOW), Err(VerifyError::UnknownKey(format!("{did}#key-3"))));
        let mut renamed = by_new;
        renamed["proof"][0]["verificationMethod"] = json!(format!("{did}#key-1"));
        assert_eq!(verify(&renamed, &doc, None, NOW), Err(VerifyError::BadSignature));
    }

    const NOW: &str = "2026-11-29T10:00:00Z";
    const T: &str = "2026-11-29T09:30:00Z";

    #[test]
    fn a_retired_key_verifies_what_it_signed_before_and_nothing_after() {
        let (old, _, _) = issuer();
        let did = did_web("https://pix.example");
        let doc = did_document(
            &did,
            &[PublishedKey {
                id: "key-1".into(),
                public_key: old.multikey(),
                retired: Some("2026-11-29T09:00:00Z".into()),
            }],
        );
        assert_eq!(doc["verificationMethod"][0]["revoked"], "2026-11-29T09:00:00Z");
        let unsigned = credential("https://pix.example", &did, "Pix", &claims());
        let before = sign(unsigned.clone(), &old, &did, "2026-11-01T08:00:00Z");
        assert!(verify(&before, &doc, None, NOW).is_ok(), "signed while the key was in use");
        // A leaked seed signing today: refused, whatever the credential says.
        let after = sign(unsigned.clone(), &old, &did, "2026-11-29T09:00:00Z");
        assert_eq!(verify(&after, &doc, None, NOW), Err(VerifyError::OutsideKeyValidity(format!("{did}#key-1"))));
    }

    #[test]
    fn proofs_must_assert_be_dated_and_not_from_the_future() {
        let (_, key, doc) = issuer();
        let did = did_web("https://pix.example");
        let signed = sign(credential("https://pix.example", &did, "Pix", &claims()), &key, &did, T);
        assert!(verify(&signed, &doc, None, NOW).is_ok());
        // Another purpose, re-signed so that only the purpose differs.
        let mut options = signed.clone();
        options.as_object_mut().unwrap().remove("proof");
        let mut authentication = sign(options.clone(), &key, &did, T);
        authentication["proof"][0]["proofPurpose"] = json!("authentication");
        assert_eq!(
            verify(&authentication, &doc, None, NOW),
            Err(VerifyError::Malformed("the proof's purpose is not assertionMethod"))
        );
        let future = sign(options, &key, &did, "2026-12-29T09:30:00Z");
        assert_eq!(verify(&future, &doc, None, NOW), Err(VerifyError::OutsideKeyValidity(format!("{did}#key-2"))));
    }

    #[test]
    fn a_verifier_pins_the_issuer_whatever_document_it_is_handed() {
        // A forger makes a key, a DID document naming the real host, and signs with it.
        let real = did_web("https://pix.example");
        let forger = IssuerKey::from_seed("key-1", &[3; 32]);
        let forged_doc =
            did_document(&real, &[PublishedKey { id: "key-1".into(), public_key: forger.multikey(), retired: None }]);
        let forged = sign(credential("https://pix.example", &real, "Pix", &claims()), &forger, &real, T);
        assert!(verify(&forged, &forged_doc, None, NOW).is_ok(), "the document alone proves nothing");
        // Pinned to the real issuer, the real document refuses the forged key; a document of
        // another DID is refused before anything.
        let (_, _, real_doc) = issuer();
        assert_eq!(verify_issued_by(&real, &forged, &real_doc, None, NOW), Err(VerifyError::BadSignature));
        let other = did_web("https://evil.example");
        let other_doc =
            did_document(&other, &[PublishedKey { id: "key-1".into(), public_key: forger.multikey(), retired: None }]);
        assert_eq!(
            verify_issued_by(&real, &forged, &other_doc, None, NOW),
            Err(VerifyError::WrongIssuer { expected: real.clone(), found: other.clone() })
        );
    }
    const VALID: (&str, &str) = ("2026-11-29T09:00:00Z", "2026-11-30T09:00:00Z");

    #[test]
    fn an_old_or_foreign_status_list_is_refused() {
        let (_, key, doc) = issuer();
        let did = did_web("https://pix.example");
        let signed = sign(credential("https://pix.example", &did, "Pix", &claims()), &key, &did, T);
        let url = "https://pix.example/credentials/status/1";
        let list = sign(status_list_credential(url, &did, &[], VALID), &key, &did, T);
        assert!(verify(&signed, &doc, Some(&list), NOW).is_ok());
        assert_eq!(
            verify(&signed, &doc, Some(&list), "2026-12-01T00:00:00Z"),
            Err(VerifyError::StatusList("expired: fetch it again")),
            "a list saved before a revocation stops being accepted"
        );
        let mut other = status_list_credential(url, &did, &[], VALID);
        other["credentialSubject"]["statusPurpose"] = json!("suspension");
        let other = sign(other, &key, &did, T);
        assert_eq!(verify(&signed, &doc, Some(&other), NOW), Err(VerifyError::StatusList("not a revocation list")));
    }

    #[test]
    fn the_status_list_revokes_exactly_its_positions() {
        let (_, key, doc) = issuer();
        let did = did_web("https://pix.example");
        let signed = sign(credential("https://pix.example", &did, "Pix", &claims()), &key, &did, T);
        let url = "https://pix.example/credentials/status/1";
        let clean = sign(status_list_credential(url, &did, &[3, 8], VALID), &key, &did, T);
        assert_eq!(verify(&signed, &doc, Some(&clean), NOW).map(|v| v.status_checked), Ok(true));
        let revoked = sign(status_list_credential(url, &did, &[7], VALID), &key, &did, T);
        assert_eq!(verify(&signed, &doc, Some(&revoked), NOW), Err(VerifyError::Revoked));
        let mut tampered = clean.clone();
        tampered["credentialSubject"]["encodedList"] = revoked["credentialSubject"]["encodedList"].clone();
        assert!(matches!(verify(&signed, &doc, Some(&tampered), NOW), Err(VerifyError::StatusList(_))));
        let encoded = encode_status_list(&[0, 131_071]);
        assert_eq!(
            (status_bit(&encoded, 0), status_bit(&encoded, 1), status_bit(&encoded, 131_071)),
            (Some(true), Some(false), Some(true))
        );
        assert!(encoded.len() < 400, "16 KiB of mostly zeros compresses: {}", encoded.len());
    }
}

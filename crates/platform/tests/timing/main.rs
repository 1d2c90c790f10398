//! Timing side channels, measured alone: this binary runs after the others, so no parallel test
//! adds noise to the timings.

#[path = "../http/support.rs"]
#[allow(dead_code)]
mod support;

use reqwest::StatusCode;

use support::{Backend, PASSWORD, TestApp};

crate::dual!(known_and_unknown_addresses_answer_in_the_same_time);

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Sign-up and forgotten password take the same time for known and unknown addresses (mail is
/// queued, never sent on the request path).
/// The two variants take turns: measuring both at once would measure each other.
static ALONE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn known_and_unknown_addresses_answer_in_the_same_time(backend: Backend) {
    let _alone = ALONE.lock().await;
    let app = TestApp::spawn(backend).await;
    app.sign_up("known@example.org").await;
    let client = support::new_client();
    let token = app.csrf(&client).await;
    let timed = |path: &'static str, fields: Vec<(&'static str, String)>| {
        let (app, client, token) = (&app, &client, token.clone());
        async move {
            let mut all = fields;
            all.push(("csrf_token", token));
            let started = std::time::Instant::now();
            let r = client.post(app.url(path)).form(&all).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            started.elapsed().as_secs_f64() * 1000.0
        }
    };
    let (mut forgot_known, mut forgot_unknown, mut signup_known, mut signup_unknown) = (vec![], vec![], vec![], vec![]);
    for i in 0..50 {
        // Interleaved pairs, so that drift in machine load affects both alike.
        forgot_known.push(timed("/password/forgot", vec![("email", "known@example.org".into())]).await);
        forgot_unknown.push(timed("/password/forgot", vec![("email", format!("nobody{i}@example.org"))]).await);
        let signup = |email: String| {
            vec![
                ("first_name", "A".to_owned()),
                ("last_name", "B".to_owned()),
                ("email", email),
                ("password", PASSWORD.to_owned()),
                ("terms", "yes".to_owned()),
            ]
        };
        signup_known.push(timed("/signup", signup("known@example.org".into())).await);
        signup_unknown.push(timed("/signup", signup(format!("new{i}@example.org"))).await);
    }
    let paired = |a: &[f64], b: &[f64]| median(a.iter().zip(b).map(|(x, y)| x - y).collect());
    let forgot = (median(forgot_known.clone()), median(forgot_unknown.clone()), paired(&forgot_known, &forgot_unknown));
    let signup = (median(signup_known.clone()), median(signup_unknown.clone()), paired(&signup_known, &signup_unknown));
    eprintln!("ms (median known, median unknown, median of paired differences): forgot {forgot:?}, sign-up {signup:?}");
    assert!(forgot.2.abs() < 5.0 && (forgot.0 - forgot.1).abs() < 5.0, "forgot password {forgot:?}");
    assert!(signup.2.abs() < 5.0 && (signup.0 - signup.1).abs() < 5.0, "sign-up {signup:?}");
    // The mails do go out, from the worker.
    assert_eq!(app.mails_to("known@example.org").await.len(), 100, "50 reset links and 50 account-exists notices");
}

//! Demo data of the certification side: the demo centre plans a session in two weeks with three
//! enrolled candidates, so that every Certif page shows real data on first start.

use uuid::Uuid;

use super::{
    model::{CandidateFields, SessionFields},
    service,
};
use crate::AppState;

/// Plans the demo session and enrols its candidates.
pub async fn seed(state: &AppState, center: Uuid, admin: Uuid) -> anyhow::Result<()> {
    let in_two_weeks = state.clock.now().date() + time::Duration::days(14);
    let fields = SessionFields {
        address: "Médiathèque Jules Verne".into(),
        room: "Salle 2".into(),
        date: format!("{:04}-{:02}-{:02}", in_two_weeks.year(), u8::from(in_two_weeks.month()), in_two_weeks.day()),
        time: "14:00".into(),
        examiner: "Claire Centre".into(),
        description: "Session de démonstration".into(),
    };
    let session = service::create_session(state, center, admin, &fields)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .map_err(|e| anyhow::anyhow!("demo session refused: {e:?}"))?;
    let people = [
        ("Léa", "Apprenante", "12/04/2001", "F", "75056", "", "", 0),
        ("Hugo", "Martin", "03/11/1998", "M", "", "69003", "Lyon", 33),
        ("Amina", "Diallo", "27/06/2003", "F", "", "", "Dakar", 0),
    ];
    for (first, last, birth, sex, insee, postal, city, extra) in people {
        let c = CandidateFields {
            first_name: first.into(),
            last_name: last.into(),
            birth_date: birth.into(),
            sex: sex.into(),
            birth_country: if city == "Dakar" { "Sénégal".into() } else { "France".into() },
            birth_insee_code: insee.into(),
            birth_postal_code: postal.into(),
            birth_city: city.into(),
            extra_time_percentage: if extra > 0 { extra.to_string() } else { String::new() },
            ..CandidateFields::default()
        };
        service::enrol(state, &session, admin, &c)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .map_err(|e| anyhow::anyhow!("demo candidate refused: {e:?}"))?;
    }
    Ok(())
}

//! Which criteria a run includes: `--phase` and `--criterion` pick from the runbook; an id it
//! does not have is an error naming the ones it has (a typo never runs nothing and passes).

use super::runbook::Runbook;

/// The runbook narrowed to `phases` and `criteria` (both empty: all of it).
pub fn select(
    runbook: &Runbook,
    phases: &[String],
    criteria: &[String],
) -> Result<Runbook, String> {
    for wanted in phases {
        if !runbook.phases.iter().any(|p| &p.id == wanted) {
            let ids: Vec<&str> = runbook.phases.iter().map(|p| p.id.as_str()).collect();
            return Err(format!("no phase {wanted}; phases are {}", ids.join(", ")));
        }
    }
    for wanted in criteria {
        if !runbook.criteria().any(|(_, c)| &c.id == wanted) {
            return Err(format!(
                "no criterion {wanted} in runbook {}; `ms5-console validate --list` lists them",
                runbook.name
            ));
        }
    }
    let mut selected = runbook.clone();
    for phase in &mut selected.phases {
        let whole_phase = phases.contains(&phase.id);
        phase.criteria.retain(|c| {
            (phases.is_empty() && criteria.is_empty()) || whole_phase || criteria.contains(&c.id)
        });
    }
    selected.phases.retain(|p| !p.criteria.is_empty());
    Ok(selected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::runbook_file::builtin;

    #[test]
    fn phases_and_criteria_narrow_the_run() {
        let all = builtin();
        assert_eq!(select(&all, &[], &[]).unwrap().count(), 35);
        let some = select(&all, &["9.3".into()], &["9.4.10".into()]).unwrap();
        let ids: Vec<&str> = some.criteria().map(|(_, c)| c.id.as_str()).collect();
        assert_eq!(ids.len(), 10);
        assert_eq!(ids[0], "9.3.1");
        assert_eq!(ids[9], "9.4.10");
    }

    #[test]
    fn an_unknown_id_names_the_known_ones() {
        let all = builtin();
        assert_eq!(
            select(&all, &["9.9".into()], &[]).unwrap_err(),
            "no phase 9.9; phases are 9.1, 9.2, 9.3, 9.4"
        );
        assert_eq!(
            select(&all, &[], &["9.4.99".into()]).unwrap_err(),
            "no criterion 9.4.99 in runbook ms5-phase9; `ms5-console validate --list` lists them"
        );
    }
}

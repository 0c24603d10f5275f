//! Every register and SoA among the reference spreadsheets (`../shared/reference/
//! spreadsheets`, when present: English, German, Greek and Czech asset registers, risk
//! registers and Statements of Applicability of 2013 and 2022) imported through the command
//! line, as a person would with `--help` and the review page: for each file, the flags it
//! needs and the rows it imports are recorded here. Skipped when the folder is absent (a
//! user's clone has none).

use crate::harness::databases;
use crate::soa_migrate::annex;

/// (command, file, flags, rows imported: created + updated + unchanged, or for a SoA of 2013
/// the 2013 controls read).
type Case = (&'static str, &'static str, &'static [&'static str], usize);

const CASES: &[Case] = &[
    // Asset registers. A template with no rows imports nothing and says so (see below).
    (
        "asset",
        "cenedril-iso27001-starter-kit/asset-register_en.csv",
        &[
            "--value",
            "asset_type:Application=software",
            "--value",
            "asset_type:Facility=site",
            "--value",
            "classification:Strictly Confidential=restricted",
        ],
        18,
    ),
    (
        "asset",
        "cenedril-iso27001-starter-kit/asset-register_de.csv",
        &[
            "--value",
            "Anwendung=software",
            "--value",
            "Einrichtung=site",
            "--value",
            "Dienst=service",
            "--value",
            "Vertraulich=confidential",
            "--value",
            "Intern=internal",
            "--value",
            "Streng vertraulich=restricted",
            "--value",
            "Aktiv=in use",
        ],
        18,
    ),
    (
        "asset",
        "kguzman-northgate-university/ISO27001_Risk_Assessment_and_SoA.xlsx",
        &[
            "--value",
            "High=4",
            "--value",
            "Medium=3",
            "--value",
            "Low=2",
            "--value",
            "Internal Use Only=internal",
            "--value",
            "asset_type:Information Asset=information",
            "--value",
            "asset_type:Technical Asset=hardware",
            "--value",
            "asset_type:Physical Asset=site",
            "--value",
            "asset_type:People=people",
            "--value",
            "asset_type:Service=service",
        ],
        7,
    ),
    (
        "asset",
        "chbandis-greek-diagnostic-centre/Asset_Tracking.xlsx",
        &[
            "--map",
            "ΤΥΠΟΣ=name",
            "--map",
            "ΤΜΗΜΑ=owner",
            "--default",
            "asset_type=hardware",
            "--default",
            "classification=internal",
            "--stop-at-blank",
        ],
        25,
    ),
    (
        "asset",
        "cocka166-telemetry-czech/Asset-Risk_Register_CORE.xlsx",
        &[
            "--sheet",
            "Asset Register",
            "--map",
            "Asset ID=id",
            "--map",
            "Název aktiva=name",
            "--value",
            "asset_type:IT=hardware",
            "--value",
            "asset_type:OT=hardware",
            "--value",
            "asset_type:IoT=hardware",
            "--value",
            "V provozu=in use",
            "--default",
            "classification=internal",
        ],
        14,
    ),
    // Risk registers: the levels each file computed are compared with the matrix.
    (
        "risk",
        "cenedril-iso27001-starter-kit/risk-register_en.csv",
        &[],
        7,
    ),
    (
        "risk",
        "cenedril-iso27001-starter-kit/risikoregister_de.csv",
        &[
            "--map",
            "Risikotitel=title",
            "--map",
            "Eintrittswahrscheinlichkeit=inherent_likelihood",
            "--map",
            "Maximale Auswirkung=inherent_impact",
            "--map",
            "Restwahrscheinlichkeit=target_likelihood",
            "--map",
            "Restmaximale Auswirkung=target_impact",
            "--map",
            "Eigentümer=owner",
            "--map",
            "Behandlungsentscheidung=treatment",
            "--map",
            "Status=",
            "--value",
            "Mindern=modify",
            "--value",
            "Akzeptieren=retain",
            "--value",
            "Mit Monitoring akzeptieren=retain",
            "--value",
            "Übertragen=share",
            "--value",
            "Vermeiden=avoid",
        ],
        7,
    ),
    (
        "risk",
        "kguzman-northgate-university/Risk-Register.csv",
        &[
            "--map",
            "Risk Description=title",
            "--map",
            "Asset=",
            "--map",
            "Asset ID=",
        ],
        8,
    ),
    (
        "risk",
        "kguzman-northgate-university/ISO27001_Risk_Assessment_and_SoA.xlsx",
        &[
            "--sheet",
            "Risk Assessment",
            "--map",
            "Risk Description=title",
            "--map",
            "Asset=",
            "--map",
            "Asset ID=",
        ],
        8,
    ),
    (
        "risk",
        "liyopp-grc-program-starter-kit/risk-register.xlsx",
        &["--map", "Recommended Treatment="],
        12,
    ),
    (
        "risk",
        "chbandis-greek-diagnostic-centre/Risk_Assessment.xlsx",
        &[
            "--map",
            "ΑΠΕΙΛΗ=title",
            "--map",
            "ΤΡΩΤΟ ΣΗΜΕΙΟ=vulnerability",
            "--map",
            "ΠΙΘΑΝΟΤΗΤΑ ΠΡΙΝ ΤΗ ΛΗΨΗ ΜΕΤΡΩΝ=inherent_likelihood",
            "--map",
            "ΣΟΒΑΡΟΤΗΤΑ ΠΡΙΝ ΤΗ ΛΗΨΗ ΜΕΤΡΩΝ=inherent_impact",
            "--map",
            "ΠΙΘΑΝΟΤΗΤΑ ΜΕΤΑ ΤΗ ΛΗΨΗ ΜΕΤΡΩΝ=target_likelihood",
            "--map",
            "ΣΟΒΑΡΟΤΗΤΑ ΜΕΤΑ ΤΗ ΛΗΨΗ ΜΕΤΡΩΝ=target_impact",
            "--stop-at-blank",
        ],
        54,
    ),
    (
        "risk",
        "cocka166-telemetry-czech/Asset-Risk_Register_CORE.xlsx",
        &[
            "--sheet",
            "Risk Register",
            "--map",
            "Název rizika=title",
            "--map",
            "Popis rizika=consequence",
            "--map",
            "Vlastník rizika=owner",
            "--map",
            "Dopad=inherent_impact",
            "--map",
            "Pravděpodobnost=inherent_likelihood",
            "--map",
            "Asset ID=",
            "--map",
            "Název aktiva=",
        ],
        19,
    ),
    // Statements of Applicability of 2022: the edition is found from the ids.
    (
        "soa",
        "cenedril-iso27001-starter-kit/statement-of-applicability_2022_de.csv",
        &[],
        93,
    ),
    (
        "soa",
        "kguzman-northgate-university/Statement-of-Applicability.csv",
        &[],
        93,
    ),
    (
        "soa",
        "kguzman-northgate-university/ISO27001_Risk_Assessment_and_SoA.xlsx",
        &["--sheet", "Statement of Applicability"],
        93,
    ),
    ("soa", "cocka166-telemetry-czech/SoA.xlsx", &[], 93),
    // Statements of Applicability of 2013, migrated.
    (
        "soa",
        "mohammad-mo-02-fintech-soa-2013/Statement_of_Applicability.xlsx",
        &["--map", "Section=control", "--map", "Control=", "--replace"],
        114,
    ),
    (
        "soa",
        "chbandis-greek-diagnostic-centre/Statement_of_Applicability.xlsx",
        &[
            "--map",
            "ΠΕΡΙΟΧΗ=control",
            "--map",
            "ΕΦΑΡΜΟΖΕΤΑΙ=applicable",
            "--map",
            "ΛΟΓΟΙ ΕΞΑΙΡΕΣΗΣ ΕΛΕΓΧΟΥ=exclusion_justification",
            "--map",
            "ΠΕΡΙΓΡΑΦΗ ΥΛΟΠΟΙΗΣΗΣ / ΣΧΟΛΙΑ=justification",
            "--value",
            "applicable:Ναι=yes",
            "--value",
            "applicable:Όχι=no",
            "--replace",
        ],
        114,
    ),
];

/// The rows an import's last line reports: "created 3, updated 1, unchanged 0" (registers and
/// 2022 SoAs) or "114 2013 controls read" (2013 SoAs).
fn rows_imported(out: &str) -> Option<usize> {
    if let Some(line) = out.lines().find(|l| l.contains("2013 controls read")) {
        return line.split_whitespace().next()?.parse().ok();
    }
    let line = out.lines().find(|l| l.starts_with("created "))?;
    Some(
        line.split([',', ' '])
            .filter_map(|w| w.parse::<usize>().ok())
            .sum(),
    )
}

#[tokio::test]
async fn every_reference_register_and_soa_imports_with_the_flags_recorded() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/spreadsheets");
    if !root.is_dir() {
        crate::harness::notice(
            "note: ../shared/reference/spreadsheets is absent: reference-file imports SKIPPED",
        );
        return;
    }
    for db in databases().await {
        assert!(annex(&db, &["init"]).status.success());
        for (command, file, flags, rows) in CASES {
            let path = root.join(file);
            let mut args = vec![
                command.to_string(),
                "import".into(),
                path.display().to_string(),
            ];
            args.extend(flags.iter().map(|f| f.to_string()));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = annex(&db, &args);
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success(),
                "{command} {file} {flags:?}:\n{stdout}\n{stderr}"
            );
            assert_eq!(
                rows_imported(&stdout),
                Some(*rows),
                "{command} {file}:\n{stdout}"
            );
        }
        // The English starter kit's SoA has an unquoted comma on row 72: named, not imported.
        let out = annex(
            &db,
            &[
                "soa",
                "import",
                &root
                    .join("cenedril-iso27001-starter-kit/statement-of-applicability_2022_en.csv")
                    .display()
                    .to_string(),
            ],
        );
        assert_eq!(out.status.code(), Some(3));
        assert!(String::from_utf8_lossy(&out.stderr).contains("row 72, column I: 'POL-018'"));
        // A template with no rows says so.
        let out = annex(
            &db,
            &[
                "asset",
                "import",
                &root
                    .join("azrael-01-implementation-toolkit/Asset_Register.xlsx")
                    .display()
                    .to_string(),
            ],
        );
        assert_eq!(out.status.code(), Some(3));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("no rows below the header"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        db.cleanup().await;
    }
}

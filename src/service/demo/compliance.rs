//! The demo organisation's suppliers, obligations, interested parties and record of
//! processing (issue 19's registers), made through their use cases as a person would.

use crate::error::{Error, Result};
use crate::service::Ctx;

/// Five suppliers: the cloud host of the customer portal (critical: it must be back within
/// hours), the payroll bureau (personal data), the mail provider, a print shop and a cleaning
/// company still proposed; their contracts' clauses, with gaps, and certifications, one of
/// them lapsing soon.
pub(super) async fn suppliers(ctx: &Ctx) -> Result<usize> {
    use crate::registers::supplier::{domain::SupplierInput, service};
    let day = |n: i64| crate::domain::input::days_after(&ctx.today(), n).unwrap_or_default();
    let all_clauses = "confidentiality: in the contract; security requirements: in the contract; right to audit: in the contract; incident notification: in the contract, 24 h; approval of sub-processors: in the contract; data location: in the contract; return and deletion at exit: in the contract; continuity of the service: in the contract; screening of their staff: not applicable";
    let assets = |nouns: &'static [&'static str]| {
        let ctx = ctx.clone();
        async move {
            let mut out = Vec::new();
            for n in nouns {
                out.extend(super::demo_asset(&ctx, n).await?);
            }
            Ok::<String, Error>(out.join(", "))
        }
    };
    let suppliers = [
        SupplierInput {
            name: "Nimbus Cloud Hosting".into(),
            services: "Hosting of the customer portal and the CRM".into(),
            owner: "it0@example.org".into(),
            personal_data: true,
            data_locations: "Germany\nIreland".into(),
            sub_processors: "Power & cooling colocation".into(),
            assets: assets(&["Customer portal", "Cloud hosting"]).await?,
            contract_start: day(-700),
            contract_end: day(395),
            auto_renews: true,
            notice_days: "90".into(),
            reviewed_on: day(-200),
            clauses: all_clauses.into(),
            certifications: format!(
                "ISO/IEC 27001 certificate | 2024-ISMS-0815 | an accredited body | {}\nSOC 2 Type II report | FY report | an audit firm | {}",
                day(40),
                day(-120)
            ),
            cloud_services: "Virtual machines\nManaged database\nObject storage".into(),
            shared_responsibility: "Nimbus secures the data centres, hardware and hypervisor; we secure the operating systems, applications, accounts and data we put on them.".into(),
            exit_plan: "Nightly exports to our own storage; the contract gives 90 days to move and a certificate of deletion.".into(),
            ..Default::default()
        },
        SupplierInput {
            name: "PayFlow Services Ltd".into(),
            services: "Payroll bureau: computes and pays salaries".into(),
            owner: "hr0@example.org".into(),
            personal_data: true,
            data_locations: "United Kingdom".into(),
            assets: assets(&["Payroll application"]).await?,
            contract_start: day(-1000),
            contract_end: day(60),
            notice_days: "30".into(),
            reviewed_on: day(-400),
            clauses: "confidentiality: in the contract; incident notification: in the contract, 72 h; return and deletion at exit: in the contract".into(),
            certifications: format!(
                "ISO/IEC 27001 certificate | PF-27001 | an accredited body | {}",
                day(300)
            ),
            ..Default::default()
        },
        SupplierInput {
            name: "Relay Mail".into(),
            services: "E-mail for every member of staff".into(),
            owner: "it0@example.org".into(),
            personal_data: true,
            data_locations: "Netherlands".into(),
            assets: assets(&["E-mail service"]).await?,
            contract_start: day(-365),
            auto_renews: true,
            reviewed_on: day(-30),
            clauses: all_clauses.into(),
            cloud_services: "Hosted mailboxes".into(),
            ..Default::default()
        },
        SupplierInput {
            name: "Druckerei Müller GmbH".into(),
            services: "Printing of brochures".into(),
            owner: "sales0@example.org".into(),
            contract_end: day(200),
            clauses: "confidentiality: in the contract".into(),
            ..Default::default()
        },
        SupplierInput {
            name: "CleanCorp Facility Services".into(),
            status: "proposed".into(),
            services: "Office cleaning, with access to the offices after hours".into(),
            owner: "facilities0@example.org".into(),
            criticality: "medium".into(),
            criticality_reason: "its staff are in the offices alone after hours".into(),
            ..Default::default()
        },
    ];
    let n = suppliers.len();
    for s in suppliers {
        service::create(ctx, &s).await?;
    }
    Ok(n)
}

/// The obligations of the demo organisation: GDPR and NIS2 apply, each linked to the controls
/// that satisfy them; a customer contract asks for an ISMS; DORA does not apply.
pub(super) async fn obligations(ctx: &Ctx) -> Result<usize> {
    use crate::registers::obligation::{domain::ObligationInput, service};
    let obligations = [
        ObligationInput {
            starter: "gdpr".into(),
            applicable: true,
            owner: "legal0@example.org".into(),
            summary: "We hold personal data of customers and staff: we keep a record of processing, protect the data by design, report breaches within 72 hours and answer people who ask about their data.".into(),
            controls: "5.31, 5.34, 5.33, 5.24, 8.10, 8.11, 8.12".into(),
            compliance: "partially_compliant".into(),
            reviewed_on: ctx.today(),
            ..Default::default()
        },
        ObligationInput {
            starter: "nis2".into(),
            applicable: true,
            owner: "security0@example.org".into(),
            applicability_note: "a medium-sized provider of digital services in the EU".into(),
            controls: "5.1, 5.19, 5.24, 5.26, 5.29, 8.7, 8.8, 8.16".into(),
            ..Default::default()
        },
        ObligationInput {
            title: "Master services agreement with a key customer: security schedule".into(),
            kind: "contractual".into(),
            counterparty: "a key customer".into(),
            applicable: true,
            owner: "sales0@example.org".into(),
            summary: "The customer asks for a certified ISMS, notice of incidents within 24 hours and a yearly penetration test.".into(),
            controls: "5.20, 5.24, 8.8, 8.29".into(),
            compliance: "compliant".into(),
            reviewed_on: ctx.today(),
            ..Default::default()
        },
        ObligationInput {
            starter: "dora".into(),
            applicable: false,
            applicability_note: "not a financial entity".into(),
            ..Default::default()
        },
    ];
    let n = obligations.len();
    let mut ids = Vec::new();
    for o in obligations {
        ids.push(service::create(ctx, &o).await?.id);
    }
    // Who has a stake in the ISMS, and the obligations their requirements are written in.
    use crate::registers::party::{domain::PartyInput, service as parties};
    let party = |name: &str, kind: &str, needs: &str, addressed: bool, obligations: &[&String]| {
        PartyInput {
            name: name.into(),
            kind: kind.into(),
            needs: needs.into(),
            addressed,
            obligations: obligations
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            reviewed_on: ctx.today(),
            ..Default::default()
        }
    };
    for p in [
        party(
            "Customers",
            "customers",
            "Their data kept confidential and available; told quickly of a breach",
            true,
            &[&ids[0]],
        ),
        party(
            "A key customer",
            "customers",
            "A certified ISMS, notice of incidents within 24 hours, a yearly penetration test",
            true,
            &[&ids[2]],
        ),
        party(
            "The data protection authority",
            "regulators",
            "Breaches notified within 72 hours; the record of processing on request",
            true,
            &[&ids[0]],
        ),
        party(
            "Staff",
            "staff",
            "Clear rules, training, and their own personal data protected",
            true,
            &[],
        ),
        party(
            "Cyber insurer",
            "insurers",
            "Multi-factor sign-in everywhere and tested backups before renewal",
            false,
            &[],
        ),
    ] {
        parties::create(ctx, &p).await?;
    }
    Ok(n)
}

/// The record of processing: payroll with the payroll bureau as processor, customer accounts
/// hosted in the cloud with a transfer under standard contractual clauses, and marketing
/// e-mails whose US transfer has no safeguard yet.
pub(super) async fn processing(ctx: &Ctx) -> Result<usize> {
    use crate::registers::processing::{domain::ProcessingInput, service};
    let payroll = super::demo_asset(ctx, "Payroll application")
        .await?
        .unwrap_or_default();
    let portal = super::demo_asset(ctx, "Customer portal")
        .await?
        .unwrap_or_default();
    let activities = [
        ProcessingInput {
            name: "Payroll".into(),
            owner: "hr0@example.org".into(),
            purposes: "Paying staff, their taxes and social security".into(),
            legal_basis: "legal_obligation".into(),
            data_categories: "name\naddress\nbank account\nsalary\ntax number".into(),
            data_subjects: "employees\nformer employees".into(),
            recipients: "tax authority\nsocial security".into(),
            processors: "SUP-0002".into(),
            retention: "10 years after the end of employment".into(),
            assets: payroll,
            security: "Access limited to HR; encrypted at rest and in transit; audited yearly"
                .into(),
            reviewed_on: ctx.today(),
            ..Default::default()
        },
        ProcessingInput {
            name: "Customer accounts".into(),
            owner: "dev0@example.org".into(),
            purposes: "Running the customer portal and supporting customers".into(),
            legal_basis: "contract".into(),
            data_categories: "name\ne-mail address\norder history".into(),
            data_subjects: "customers".into(),
            processors: "SUP-0001, SUP-0003".into(),
            transfers: "United States | standard contractual clauses".into(),
            retention: "3 years after the last order".into(),
            assets: portal,
            security: "Multi-factor sign-in for staff; encrypted backups tested twice a year"
                .into(),
            ..Default::default()
        },
        ProcessingInput {
            name: "Marketing e-mails".into(),
            owner: "sales0@example.org".into(),
            purposes: "Newsletters to customers who asked for them".into(),
            legal_basis: "consent".into(),
            data_categories: "e-mail address\nopens and clicks".into(),
            data_subjects: "customers\nprospects".into(),
            transfers: "United States | none yet".into(),
            ..Default::default()
        },
    ];
    let n = activities.len();
    for a in activities {
        service::create(ctx, &a).await?;
    }
    Ok(n)
}

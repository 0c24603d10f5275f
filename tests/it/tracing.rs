//! A request can be followed in the log from HTTP to SQL: the request's span (its id, method,
//! path and the actor), the use case's span inside it (its name, actor and record id), and the
//! SQL statements the use case ran, inside both.
//!
//! The log is read as an operator reads it: `annex serve` runs as its own process with
//! `ANNEX_LOG=annex=debug`, and the test follows one request through its standard error (a
//! subscriber inside the test binary would share tracing's call-site caches with every test
//! running beside it).

use crate::cli::annex;
use crate::harness::databases;
use std::io::{BufRead, Read, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

/// Sends one HTTP/1.1 request and answers (status line, body).
fn http(addr: &str, method: &str, path: &str, token: &str, body: &str) -> (String, String) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.lines().next().unwrap_or_default().to_string();
    let body = answer
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

#[tokio::test]
async fn a_log_line_leads_from_the_http_request_through_the_use_case_to_the_sql() {
    for db in databases().await {
        let run = |args: &[&str]| {
            let out = annex(&db, args).output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).to_string()
        };
        run(&[
            "user",
            "add",
            "--email",
            "risk-owner@example.org",
            "--name",
            "Ρένα",
            "--role",
            "manager",
        ]);
        let token = run(&[
            "token",
            "create",
            "--email",
            "risk-owner@example.org",
            "--name",
            "log",
        ])
        .trim()
        .lines()
        .last()
        .unwrap()
        .to_string();
        let mut child = annex(&db, &["serve", "--bind", "127.0.0.1:0"])
            .env("ANNEX_LOG", "annex=debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = mpsc::channel::<String>();
        for pipe in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        let mut log: Vec<String> = Vec::new();
        let addr = loop {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .expect("serve starts");
            let found = line
                .find("http://")
                .map(|i| line[i..].split_whitespace().next().unwrap().to_string());
            log.push(line);
            if let Some(url) = found {
                break url
                    .trim_start_matches("http://")
                    .trim_end_matches('/')
                    .to_string();
            }
        };
        let (status, body) = http(
            &addr,
            "POST",
            "/api/v1/risks",
            &token,
            r#"{"title": "Ransomware on the file server", "owner": "ops@example.org", "inherent_likelihood": 3, "inherent_impact": 4}"#,
        );
        assert!(status.contains(" 201 "), "{status} {body}");
        let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let path = format!("/api/v1/risks/{id}");
        let (status, body) = http(
            &addr,
            "PUT",
            &path,
            &token,
            r#"{"title": "Ransomware on the file server", "owner": "ops@example.org", "inherent_likelihood": 2, "inherent_impact": 4}"#,
        );
        assert!(status.contains(" 200 "), "{status} {body}");
        // Read the log until the update's request has been answered.
        let answered = |l: &String| {
            l.contains("answered")
                && l.contains(&format!("path={path}"))
                && l.contains("method=PUT")
        };
        while !log.iter().any(answered) {
            match rx.recv_timeout(Duration::from_secs(30)) {
                Ok(line) => log.push(line),
                Err(_) => panic!("the update's answer is never logged:\n{}", log.join("\n")),
            }
        }
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let _ = child.wait();
        let whole = log.join("\n");
        let sql: Vec<&String> = log
            .iter()
            .filter(|l| l.contains("statement sql=") && l.contains("insert into risk ("))
            .collect();
        assert!(!sql.is_empty(), "the update's SQL is logged:\n{whole}");
        for line in &sql {
            if !line.contains("method=PUT") {
                continue; // the creation's
            }
            assert!(
                line.contains("request{id=") && line.contains(&format!("path={path}")),
                "the SQL line names the request: {line}"
            );
            assert!(
                line.contains("risk.update{actor=") && line.contains(&format!("id={id}")),
                "the SQL line names the use case and the record: {line}"
            );
        }
        assert!(
            sql.iter()
                .any(|l| l.contains("method=PUT") && l.contains("risk.update{")),
            "the update's own SQL is among them:\n{whole}"
        );
        let end = log.iter().find(|l| answered(l)).unwrap();
        assert!(
            end.contains("status=200"),
            "the request's end is logged with its status: {end}"
        );
        db.cleanup().await;
    }
}

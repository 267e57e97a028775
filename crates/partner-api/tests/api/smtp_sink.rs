//! A small SMTP server on a loopback port that keeps every message it accepts, or refuses
//! recipients with the reply a test gives it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

pub struct SmtpSink {
    pub addr: SocketAddr,
    messages: Arc<Mutex<Vec<String>>>,
    server: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    /// Accepts every message; with `rcpt_reply` (e.g. `550 5.1.1 No such user`) refuses every recipient.
    pub async fn start_at(port: u16, rcpt_reply: Option<&'static str>) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let kept = messages.clone();
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, rcpt_reply, kept.clone()));
            }
        });
        Self {
            addr,
            messages,
            server,
        }
    }

    pub async fn start(rcpt_reply: Option<&'static str>) -> Self {
        Self::start_at(0, rcpt_reply).await
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn session(
    stream: TcpStream,
    rcpt_reply: Option<&'static str>,
    messages: Arc<Mutex<Vec<String>>>,
) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply = match verb.as_str() {
            "EHLO" => "250-sink\r\n250 8BITMIME".to_owned(),
            "HELO" | "MAIL" | "RSET" | "NOOP" => "250 OK".to_owned(),
            "RCPT" => rcpt_reply.unwrap_or("250 OK").to_owned(),
            "DATA" => {
                let _ = write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await;
                let mut message = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if line == "." {
                        break;
                    }
                    message.push_str(line.strip_prefix('.').unwrap_or(&line));
                    message.push_str("\r\n");
                }
                messages.lock().unwrap().push(message);
                "250 OK queued".to_owned()
            }
            "QUIT" => {
                let _ = write.write_all(b"221 Bye\r\n").await;
                return;
            }
            _ => "502 Command not implemented".to_owned(),
        };
        if write
            .write_all(format!("{reply}\r\n").as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
}

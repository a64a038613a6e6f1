//! A TCP proxy in front of an API server that a test can take down (every connection cut,
//! new ones refused) and bring back: the server "stops and restarts" for whoever talks
//! through the proxy, while the sandbox itself keeps running. TLS passes through untouched
//! (the sandbox's certificate names 127.0.0.1, whatever the port).

use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct Proxy {
    /// `https://127.0.0.1:<port>`.
    pub url: String,
    down: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// Proxy to the server at `target` (`https://host:port`).
    pub async fn start(target: &str) -> Proxy {
        let target: SocketAddr = target
            .trim_start_matches("https://")
            .parse()
            .expect("the server URL is https://IP:PORT");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        let (down, rx) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                if *rx.borrow() {
                    drop(client);
                    continue;
                }
                let mut cut = rx.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else {
                        return;
                    };
                    let mut client = client;
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.wait_for(|d| *d) => {}
                    }
                });
            }
        });
        Proxy { url, down, task }
    }

    /// Cut every connection and refuse new ones.
    pub fn down(&self) {
        self.down.send_replace(true);
    }

    /// Accept connections again.
    pub fn up(&self) {
        self.down.send_replace(false);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

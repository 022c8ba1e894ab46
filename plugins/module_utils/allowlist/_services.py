# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Service names an operator may write in an allowlist, and their ports.

Facts from the IANA "Service Name and Transport Protocol Port Number Registry"
(https://www.iana.org/assignments/service-names-port-numbers/): each line is an IANA
service name, its port, and the transport protocols IANA assigns to it (tcp and/or udp;
sctp and dccp are out of scope here). The table ships with the collection so every host
and the controller resolve a name the same way; the target's /etc/services is never read.

Deliberate omissions:
- names IANA assigns to more than one port or to a port range (``http-alt`` is 591, 8008
  and 8080; ``x11`` is 6000-6063): a name must mean exactly one port;
- ``sftp`` (IANA: 115, the Simple File Transfer Protocol), because an operator who writes
  it means SSH's SFTP on port 22 and would otherwise open the wrong port.

``ALIASES`` holds the long-standing alternative names from the services(5) alias column
(``www``, ``postgres``, ``smtps``, ...). They are not IANA names; each one points at the
IANA name it stands for.
"""

from __future__ import annotations

# name port protocols   (IANA service name, port number, IANA transport protocols)
_TABLE = """
tcpmux 1 tcp udp
echo 7 tcp udp
discard 9 tcp udp
systat 11 tcp udp
daytime 13 tcp udp
qotd 17 tcp udp
msp 18 tcp udp
chargen 19 tcp udp
ftp-data 20 tcp udp
ftp 21 tcp udp
ssh 22 tcp udp
telnet 23 tcp udp
smtp 25 tcp udp
nsw-fe 27 tcp udp
msg-icp 29 tcp udp
msg-auth 31 tcp udp
dsp 33 tcp udp
time 37 tcp udp
rap 38 tcp udp
rlp 39 tcp udp
graphics 41 tcp udp
nameserver 42 tcp udp
nicname 43 tcp udp
mpm-flags 44 tcp udp
mpm 45 tcp udp
mpm-snd 46 tcp udp
auditd 48 tcp udp
tacacs 49 tcp udp
re-mail-ck 50 tcp udp
xns-time 52 tcp udp
domain 53 tcp udp
xns-ch 54 tcp udp
isi-gl 55 tcp udp
xns-auth 56 tcp udp
xns-mail 58 tcp udp
acas 62 tcp udp
whoispp 63 tcp udp
covia 64 tcp udp
tacacs-ds 65 tcp udp
sql-net 66 tcp udp
bootps 67 tcp udp
bootpc 68 tcp udp
tftp 69 tcp udp
gopher 70 tcp udp
netrjs-1 71 tcp udp
netrjs-2 72 tcp udp
netrjs-3 73 tcp udp
netrjs-4 74 tcp udp
deos 76 tcp udp
vettcp 78 tcp udp
finger 79 tcp udp
http 80 tcp udp
www 80 tcp udp
www-http 80 tcp udp
xfer 82 tcp udp
mit-ml-dev 83 tcp udp
ctf 84 tcp udp
mfcobol 86 tcp udp
kerberos 88 tcp udp
su-mit-tg 89 tcp udp
dnsix 90 tcp udp
mit-dov 91 tcp udp
npp 92 tcp udp
dcp 93 tcp udp
objcall 94 tcp udp
supdup 95 tcp udp
dixie 96 tcp udp
swift-rvf 97 tcp udp
tacnews 98 tcp udp
metagram 99 tcp udp
hostname 101 tcp udp
iso-tsap 102 tcp udp
gppitnp 103 tcp udp
acr-nema 104 tcp udp
cso 105 tcp udp
csnet-ns 105 tcp udp
3com-tsmux 106 tcp udp
rtelnet 107 tcp udp
snagas 108 tcp udp
pop2 109 tcp udp
pop3 110 tcp udp
sunrpc 111 tcp udp
mcidas 112 tcp udp
auth 113 tcp udp
ident 113 tcp
ansanotify 116 tcp udp
uucp-path 117 tcp udp
sqlserv 118 tcp udp
nntp 119 tcp udp
cfdptkt 120 tcp udp
erpc 121 tcp udp
smakynet 122 tcp udp
ntp 123 tcp udp
ansatrader 124 tcp udp
locus-map 125 tcp udp
nxedit 126 tcp udp
locus-con 127 tcp udp
gss-xlicen 128 tcp udp
pwdgen 129 tcp udp
cisco-fna 130 tcp udp
cisco-tna 131 tcp udp
cisco-sys 132 tcp udp
statsrv 133 tcp udp
ingres-net 134 tcp udp
epmap 135 tcp udp
profile 136 tcp udp
netbios-ns 137 tcp udp
netbios-dgm 138 tcp udp
netbios-ssn 139 tcp udp
emfis-data 140 tcp udp
emfis-cntl 141 tcp udp
bl-idm 142 tcp udp
imap 143 tcp
uma 144 tcp udp
uaac 145 tcp udp
iso-tp0 146 tcp udp
iso-ip 147 tcp udp
jargon 148 tcp udp
aed-512 149 tcp udp
hems 151 tcp udp
bftp 152 tcp udp
sgmp 153 tcp udp
netsc-prod 154 tcp udp
netsc-dev 155 tcp udp
sqlsrv 156 tcp udp
knet-cmp 157 tcp udp
pcmail-srv 158 tcp udp
nss-routing 159 tcp udp
sgmp-traps 160 tcp udp
snmp 161 tcp udp
snmptrap 162 tcp udp
cmip-man 163 tcp udp
cmip-agent 164 tcp udp
xns-courier 165 tcp udp
s-net 166 tcp udp
namp 167 tcp udp
rsvd 168 tcp udp
send 169 tcp udp
print-srv 170 tcp udp
multiplex 171 tcp udp
cl-1 172 tcp udp
xyplex-mux 173 tcp udp
mailq 174 tcp udp
vmnet 175 tcp udp
genrad-mux 176 tcp udp
xdmcp 177 tcp udp
nextstep 178 tcp udp
bgp 179 tcp udp
ris 180 tcp udp
unify 181 tcp udp
audit 182 tcp udp
ocbinder 183 tcp udp
ocserver 184 tcp udp
remote-kis 185 tcp udp
kis 186 tcp udp
aci 187 tcp udp
mumps 188 tcp udp
qft 189 tcp udp
gacp 190 tcp udp
prospero 191 tcp udp
osu-nms 192 tcp udp
srmp 193 tcp udp
irc 194 tcp udp
dn6-nlm-aud 195 tcp udp
dn6-smm-red 196 tcp udp
dls 197 tcp udp
dls-mon 198 tcp udp
smux 199 tcp udp
src 200 tcp udp
at-rtmp 201 tcp udp
at-nbp 202 tcp udp
at-echo 204 tcp udp
at-zis 206 tcp udp
qmtp 209 tcp udp
z39-50 210 tcp udp
914c-g 211 tcp udp
anet 212 tcp udp
ipx 213 tcp udp
vmpwscs 214 tcp udp
softpc 215 tcp udp
dbase 217 tcp udp
mpp 218 tcp udp
uarps 219 tcp udp
imap3 220 tcp udp
fln-spx 221 tcp udp
rsh-spx 222 tcp udp
cdc 223 tcp udp
masqdialer 224 tcp udp
direct 242 tcp udp
sur-meas 243 tcp udp
dayna 244 tcp udp
link 245 tcp udp
dsp3270 246 tcp udp
bhfhs 248 tcp udp
set 257 tcp udp
esro-gen 259 tcp udp
openport 260 tcp udp
nsiiops 261 tcp udp
arcisdms 262 tcp udp
hdap 263 tcp udp
bgmp 264 tcp udp
x-bone-ctl 265 tcp udp
sst 266 tcp udp
td-service 267 tcp udp
td-replica 268 tcp udp
manet 269 tcp udp
http-mgmt 280 tcp udp
personal-link 281 tcp udp
cableport-ax 282 tcp udp
rescap 283 tcp udp
corerjd 284 tcp udp
k-block 287 tcp udp
novastorbakcup 308 tcp udp
entrusttime 309 tcp udp
bhmds 310 tcp udp
asip-webadmin 311 tcp udp
vslmp 312 tcp udp
magenta-logic 313 tcp udp
opalis-robot 314 tcp udp
dpsi 315 tcp udp
decauth 316 tcp udp
zannet 317 tcp udp
pkix-timestamp 318 tcp udp
ptp-event 319 tcp udp
ptp-general 320 tcp udp
pip 321 tcp udp
rtsps 322 tcp udp
texar 333 tcp udp
pdap 344 tcp udp
pawserv 345 tcp udp
zserv 346 tcp udp
fatserv 347 tcp udp
csi-sgwp 348 tcp udp
mftp 349 tcp udp
matip-type-a 350 tcp udp
matip-type-b 351 tcp udp
dtag-ste-sb 352 tcp udp
ndsauth 353 tcp udp
bh611 354 tcp udp
datex-asn 355 tcp udp
cloanto-net-1 356 tcp udp
bhevent 357 tcp udp
shrinkwrap 358 tcp udp
scoi2odialog 360 tcp udp
semantix 361 tcp udp
srssend 362 tcp udp
rsvp-tunnel 363 tcp udp
aurora-cmgr 364 tcp udp
dtk 365 tcp udp
odmr 366 tcp udp
mortgageware 367 tcp udp
qbikgdp 368 tcp udp
rpc2portmap 369 tcp udp
codaauth2 370 tcp udp
clearcase 371 tcp udp
ulistproc 372 tcp udp
legent-1 373 tcp udp
legent-2 374 tcp udp
hassle 375 tcp udp
nip 376 tcp udp
tnetos 377 tcp udp
dsetos 378 tcp udp
is99c 379 tcp udp
is99s 380 tcp udp
hp-collector 381 tcp udp
hp-managed-node 382 tcp udp
hp-alarm-mgr 383 tcp udp
arns 384 tcp udp
ibm-app 385 tcp udp
asa 386 tcp udp
aurp 387 tcp udp
unidata-ldm 388 tcp udp
ldap 389 tcp udp
uis 390 tcp udp
synotics-relay 391 tcp udp
synotics-broker 392 tcp udp
meta5 393 tcp udp
embl-ndt 394 tcp udp
netcp 395 tcp udp
netware-ip 396 tcp udp
mptn 397 tcp udp
kryptolan 398 tcp udp
iso-tsap-c2 399 tcp udp
osb-sd 400 tcp udp
ups 401 tcp udp
genie 402 tcp udp
decap 403 tcp udp
nced 404 tcp udp
ncld 405 tcp udp
imsp 406 tcp udp
timbuktu 407 tcp udp
prm-sm 408 tcp udp
prm-nm 409 tcp udp
decladebug 410 tcp udp
rmt 411 tcp udp
synoptics-trap 412 tcp udp
smsp 413 tcp udp
infoseek 414 tcp udp
bnet 415 tcp udp
silverplatter 416 tcp udp
onmux 417 tcp udp
hyper-g 418 tcp udp
ariel1 419 tcp udp
smpte 420 tcp udp
ariel2 421 tcp udp
ariel3 422 tcp udp
opc-job-start 423 tcp udp
opc-job-track 424 tcp udp
icad-el 425 tcp udp
smartsdp 426 tcp udp
svrloc 427 tcp udp
ocs-cmu 428 tcp udp
ocs-amu 429 tcp udp
utmpsd 430 tcp udp
utmpcd 431 tcp udp
iasd 432 tcp udp
nnsp 433 tcp udp
mobileip-agent 434 tcp udp
mobilip-mn 435 tcp udp
dna-cml 436 tcp udp
comscm 437 tcp udp
dsfgw 438 tcp udp
dasp 439 tcp udp
sgcp 440 tcp udp
decvms-sysmgt 441 tcp udp
cvc-hostd 442 tcp udp
https 443 tcp udp
snpp 444 tcp udp
microsoft-ds 445 tcp udp
ddm-rdb 446 tcp udp
ddm-dfm 447 tcp udp
ddm-ssl 448 tcp udp
as-servermap 449 tcp udp
tserver 450 tcp udp
kpasswd 464 tcp udp
submissions 465 tcp
photuris 468 tcp udp
rcp 469 tcp udp
scx-proxy 470 tcp udp
mondex 471 tcp udp
ljk-login 472 tcp udp
hybrid-pop 473 tcp udp
tn-tl-fd1 476 tcp udp
ss7ns 477 tcp udp
spsc 478 tcp udp
iafserver 479 tcp udp
iafdbase 480 tcp udp
ph 481 tcp udp
bgs-nsi 482 tcp udp
ulpnet 483 tcp udp
saft 487 tcp udp
gss-http 488 tcp udp
nest-protocol 489 tcp udp
micom-pfs 490 tcp udp
go-login 491 tcp udp
ticf-1 492 tcp udp
ticf-2 493 tcp udp
pov-ray 494 tcp udp
intecourier 495 tcp udp
pim-rp-disc 496 tcp udp
retrospect 497 tcp udp
siam 498 tcp udp
iso-ill 499 tcp udp
isakmp 500 tcp udp
stmf 501 tcp udp
mbap 502 tcp udp
intrinsa 503 tcp udp
citadel 504 tcp udp
mailbox-lm 505 tcp udp
ohimsrv 506 tcp udp
crs 507 tcp udp
xvttp 508 tcp udp
snare 509 tcp udp
fcp 510 tcp udp
passgo 511 tcp udp
exec 512 tcp
comsat 512 udp
biff 512 udp
login 513 tcp
who 513 udp
shell 514 tcp
syslog 514 udp
printer 515 tcp udp
videotex 516 tcp udp
talk 517 tcp udp
ntalk 518 tcp udp
utime 519 tcp udp
efs 520 tcp
router 520 udp
ripng 521 tcp udp
ulp 522 tcp udp
ibm-db2 523 tcp udp
ncp 524 tcp udp
timed 525 tcp udp
tempo 526 tcp udp
stx 527 tcp udp
custix 528 tcp udp
irc-serv 529 tcp udp
courier 530 tcp udp
conference 531 tcp udp
netnews 532 tcp udp
netwall 533 tcp udp
windream 534 tcp udp
iiop 535 tcp udp
opalis-rdv 536 tcp udp
nmsp 537 tcp udp
gdomap 538 tcp udp
apertus-ldp 539 tcp udp
uucp 540 tcp udp
uucp-rlogin 541 tcp udp
commerce 542 tcp udp
klogin 543 tcp udp
kshell 544 tcp udp
appleqtc 545 tcp udp
dhcpv6-client 546 tcp udp
dhcpv6-server 547 tcp udp
afpovertcp 548 tcp udp
idfp 549 tcp udp
new-rwho 550 tcp udp
cybercash 551 tcp udp
devshr-nts 552 tcp udp
pirp 553 tcp udp
rtsp 554 tcp udp
dsf 555 tcp udp
remotefs 556 tcp udp
openvms-sysipc 557 tcp udp
sdnskmp 558 tcp udp
teedtap 559 tcp udp
rmonitor 560 tcp udp
monitor 561 tcp udp
chshell 562 tcp udp
nntps 563 tcp udp
9pfs 564 tcp udp
whoami 565 tcp udp
streettalk 566 tcp udp
banyan-rpc 567 tcp udp
ms-shuttle 568 tcp udp
ms-rome 569 tcp udp
meter 570 tcp udp
sonar 572 tcp udp
banyan-vip 573 tcp udp
ftp-agent 574 tcp udp
vemmi 575 tcp udp
ipcd 576 tcp udp
vnas 577 tcp udp
ipdd 578 tcp udp
decbsrv 579 tcp udp
sntp-heartbeat 580 tcp udp
bdp 581 tcp udp
scc-security 582 tcp udp
philips-vc 583 tcp udp
keyserver 584 tcp udp
password-chg 586 tcp udp
submission 587 tcp udp
cal 588 tcp udp
eyelink 589 tcp udp
tns-cml 590 tcp udp
eudora-set 592 tcp udp
http-rpc-epmap 593 tcp udp
tpip 594 tcp udp
cab-protocol 595 tcp udp
smsd 596 tcp udp
ptcnameservice 597 tcp udp
sco-websrvrmg3 598 tcp udp
acp 599 tcp udp
ipcserver 600 tcp udp
syslog-conn 601 tcp udp
xmlrpc-beep 602 tcp udp
idxp 603 tcp udp
tunnel 604 tcp udp
soap-beep 605 tcp udp
urm 606 tcp udp
nqs 607 tcp udp
sift-uft 608 tcp udp
npmp-trap 609 tcp udp
npmp-local 610 tcp udp
npmp-gui 611 tcp udp
hmmp-ind 612 tcp udp
hmmp-op 613 tcp udp
sshell 614 tcp udp
sco-inetmgr 615 tcp udp
sco-sysmgr 616 tcp udp
sco-dtmgr 617 tcp udp
dei-icda 618 tcp udp
compaq-evm 619 tcp udp
sco-websrvrmgr 620 tcp udp
escp-ip 621 tcp udp
collaborator 622 tcp udp
asf-rmcp 623 tcp udp
cryptoadmin 624 tcp udp
dec-dlm 625 tcp udp
asia 626 tcp udp
passgo-tivoli 627 tcp udp
qmqp 628 tcp udp
3com-amp3 629 tcp udp
rda 630 tcp udp
ipp 631 tcp udp
ipps 631 tcp
bmpp 632 tcp udp
servstat 633 tcp udp
ginad 634 tcp udp
rlzdbase 635 tcp udp
ldaps 636 tcp udp
lanserver 637 tcp udp
mcns-sec 638 tcp udp
msdp 639 tcp udp
entrust-sps 640 tcp udp
repcmd 641 tcp udp
esro-emsdp 642 tcp udp
sanity 643 tcp udp
dwr 644 tcp udp
pssc 645 tcp udp
ldp 646 tcp udp
dhcp-failover 647 tcp udp
rrp 648 tcp udp
cadview-3d 649 tcp udp
obex 650 tcp udp
ieee-mms 651 tcp udp
hello-port 652 tcp udp
repscmd 653 tcp udp
aodv 654 tcp udp
tinc 655 tcp udp
spmp 656 tcp udp
rmc 657 tcp udp
tenfold 658 tcp udp
mac-srvr-admin 660 tcp udp
hap 661 tcp udp
pftp 662 tcp udp
purenoise 663 tcp udp
asf-secure-rmcp 664 tcp udp
sun-dr 665 tcp udp
mdqs 666 tcp udp
disclose 667 tcp udp
mecomm 668 tcp udp
meregister 669 tcp udp
vacdsm-sws 670 tcp udp
vacdsm-app 671 tcp udp
vpps-qua 672 tcp udp
cimplex 673 tcp udp
acap 674 tcp udp
dctp 675 tcp udp
vpps-via 676 tcp udp
vpp 677 tcp udp
ggf-ncp 678 tcp udp
mrm 679 tcp udp
entrust-aaas 680 tcp udp
entrust-aams 681 tcp udp
xfr 682 tcp udp
corba-iiop 683 tcp udp
corba-iiop-ssl 684 tcp udp
mdc-portmapper 685 tcp udp
hcp-wismar 686 tcp udp
asipregistry 687 tcp udp
realm-rusd 688 tcp udp
nmap 689 tcp udp
vatp 690 tcp udp
msexch-routing 691 tcp udp
hyperwave-isp 692 tcp udp
connendp 693 tcp udp
ha-cluster 694 tcp udp
ieee-mms-ssl 695 tcp udp
rushd 696 tcp udp
uuidgen 697 tcp udp
olsr 698 tcp udp
accessnetwork 699 tcp udp
epp 700 tcp udp
lmp 701 tcp udp
iris-beep 702 tcp udp
elcsd 704 tcp udp
agentx 705 tcp udp
silc 706 tcp udp
borland-dsj 707 tcp udp
entrust-kmsh 709 tcp udp
entrust-ash 710 tcp udp
cisco-tdp 711 tcp udp
tbrpf 712 tcp udp
iris-xpc 713 tcp udp
iris-xpcs 714 tcp udp
iris-lwz 715 tcp udp
netviewdm1 729 tcp udp
netviewdm2 730 tcp udp
netviewdm3 731 tcp udp
netgw 741 tcp udp
netrcs 742 tcp udp
flexlm 744 tcp udp
fujitsu-dev 747 tcp udp
ris-cm 748 tcp udp
kerberos-adm 749 tcp udp
kerberos-iv 750 tcp udp
pump 751 tcp udp
qrh 752 tcp udp
rrh 753 tcp udp
tell 754 tcp udp
nlogin 758 tcp udp
con 759 tcp udp
ns 760 tcp udp
rxe 761 tcp udp
quotad 762 tcp udp
cycleserv 763 tcp udp
omserv 764 tcp udp
webster 765 tcp udp
phonebook 767 tcp udp
vid 769 tcp udp
cadlock 770 tcp udp
rtip 771 tcp udp
cycleserv2 772 tcp udp
submit 773 tcp
notify 773 udp
rpasswd 774 tcp
acmaint-dbd 774 udp
entomb 775 tcp
acmaint-transd 775 udp
wpages 776 tcp udp
multiling-http 777 tcp udp
wpgs 780 tcp udp
mdbs-daemon 800 tcp udp
device 801 tcp udp
mbap-s 802 tcp udp
fcp-udp 810 tcp udp
itm-mcell-s 828 tcp udp
pkix-3-ca-ra 829 tcp udp
netconf-ssh 830 tcp udp
netconf-beep 831 tcp udp
netconfsoaphttp 832 tcp udp
netconfsoapbeep 833 tcp udp
dhcp-failover2 847 tcp udp
gdoi 848 tcp udp
domain-s 853 tcp udp
dlep 854 tcp udp
iscsi 860 tcp udp
owamp-control 861 tcp udp
twamp-control 862 tcp udp
rsync 873 tcp udp
iclcnet-locate 886 tcp udp
iclcnet-svinfo 887 tcp udp
accessbuilder 888 tcp udp
omginitialrefs 900 tcp udp
smpnameres 901 tcp udp
ideafarm-door 902 tcp udp
ideafarm-panic 903 tcp udp
kink 910 tcp udp
xact-backup 911 tcp udp
apex-mesh 912 tcp udp
apex-edge 913 tcp udp
rndc 953 tcp
ftps-data 989 tcp udp
ftps 990 tcp udp
nas 991 tcp udp
telnets 992 tcp udp
imaps 993 tcp udp
ircs 994 tcp udp
pop3s 995 tcp udp
vsinet 996 tcp udp
maitrd 997 tcp udp
busboy 998 tcp
puparp 998 udp
garcon 999 tcp
applix 999 udp
cadlock2 1000 tcp udp
socks 1080 tcp udp
rmiregistry 1099 tcp udp
openvpn 1194 tcp udp
nessus 1241 tcp udp
lotusnote 1352 tcp udp
ms-sql-s 1433 tcp udp
ms-sql-m 1434 tcp udp
ingreslock 1524 tcp udp
orasrv 1525 tcp udp
l2f 1701 tcp udp
l2tp 1701 tcp udp
h323gatedisc 1718 tcp udp
h323gatestat 1719 tcp udp
h323hostcall 1720 tcp udp
pptp 1723 tcp udp
radius 1812 tcp udp
radius-acct 1813 tcp udp
mqtt 1883 tcp udp
ssdp 1900 tcp udp
hsrp 1985 tcp udp
cisco-sccp 2000 tcp udp
nfs 2049 tcp udp
radsec 2083 tcp udp
gnunet 2086 tcp udp
rtcm-sc104 2101 tcp udp
eklogin 2105 tcp udp
docker 2375 tcp
docker-s 2376 tcp
swarm 2377 tcp
etcd-client 2379 tcp
etcd-server 2380 tcp
cvspserver 2401 tcp udp
mgcp-gateway 2427 tcp udp
ttc 2483 tcp udp
ttc-ssl 2484 tcp udp
dict 2628 tcp udp
mgcp-callagent 2727 tcp udp
gsiftp 2811 tcp udp
gpsd 2947 tcp udp
icpv2 3130 tcp udp
isns 3205 tcp udp
iscsi-target 3260 tcp udp
msft-gc 3268 tcp udp
msft-gc-ssl 3269 tcp udp
ceph 3300 tcp
mysql 3306 tcp udp
ms-wbt-server 3389 tcp udp
stun 3478 tcp udp
turn 3478 tcp udp
nut 3493 tcp udp
distcc 3632 tcp udp
daap 3689 tcp udp
svn 3690 tcp udp
diameter 3868 tcp
sieve 4190 tcp
rwhois 4321 tcp udp
epmd 4369 tcp udp
ntske 4460 tcp
ipsec-nat-t 4500 tcp udp
iax 4569 tcp udp
ipfix 4739 tcp udp
ipfixs 4740 tcp udp
munin 4949 tcp udp
sip 5060 tcp udp
sips 5061 tcp udp
xmpp-client 5222 tcp
xmpp-server 5269 tcp
xmpp-bosh 5280 tcp
cfengine 5308 tcp udp
stuns 5349 tcp udp
turns 5349 tcp udp
mdns 5353 tcp udp
llmnr 5355 tcp udp
postgresql 5432 tcp udp
nrpe 5666 tcp
nsca 5667 tcp
amqps 5671 tcp udp
amqp 5672 tcp udp
coap 5683 tcp udp
coaps 5684 tcp udp
rfb 5900 tcp udp
couchdb 5984 tcp udp
wsman 5985 tcp udp
wsmans 5986 tcp udp
sflow 6343 tcp udp
redis 6379 tcp
netconf-tls 6513 tcp
syslog-tls 6514 tcp udp
openflow 6653 tcp udp
ircs-u 6697 tcp
afs3-fileserver 7000 tcp udp
afs3-callback 7001 tcp udp
afs3-prserver 7002 tcp udp
afs3-vlserver 7003 tcp udp
afs3-kaserver 7004 tcp udp
afs3-volser 7005 tcp udp
afs3-errors 7006 tcp udp
afs3-bos 7007 tcp udp
afs3-update 7008 tcp udp
afs3-rmtsys 7009 tcp udp
puppet 8140 tcp
secure-mqtt 8883 tcp udp
pdl-datastream 9100 tcp udp
bacula-dir 9101 tcp udp
bacula-fd 9102 tcp udp
bacula-sd 9103 tcp udp
git 9418 tcp udp
ndmp 10000 tcp udp
zabbix-agent 10050 tcp udp
zabbix-trapper 10051 tcp udp
amanda 10080 tcp udp
snmptls 10161 tcp
snmpdtls 10161 udp
snmptls-trap 10162 tcp
snmpdtls-trap 10162 udp
nbd 10809 tcp
memcache 11211 tcp udp
hkp 11371 tcp udp
nfsrdma 20049 tcp udp
mongodb 27017 tcp udp
mysqlx 33060 tcp
"""

# services(5) alias -> IANA name.
ALIASES = {
    "cmd": "shell",
    "dicom": "acr-nema",
    "imap2": "imap",
    "jabber-client": "xmpp-client",
    "jabber-server": "xmpp-server",
    "kerberos-sec": "kerberos",
    "kerberos5": "kerberos",
    "krb5": "kerberos",
    "krcmd": "kshell",
    "pop-3": "pop3",
    "portmapper": "sunrpc",
    "postgres": "postgresql",
    "radacct": "radius-acct",
    "route": "router",
    "routed": "router",
    "sip-tls": "sips",
    "smtps": "submissions",
    "snmp-trap": "snmptrap",
    "snntp": "nntps",
    "spooler": "printer",
    "ssmtp": "submissions",
    "subversion": "svn",
    "tap": "auth",
    "uucpd": "uucp",
    "whod": "who",
    "whois": "nicname",
    "z3950": "z39-50",
}

# Names operators type that are not in the table, with the right thing to write instead.
NAME_HINTS = {
    "sftp": "SFTP runs inside SSH: write \"ssh\" or 22 (IANA's \"sftp\" is an unrelated protocol on port 115)",
    "dns": "the IANA name for DNS is \"domain\" (53)",
    "rdp": "the IANA name for RDP is \"ms-wbt-server\" (3389)",
    "vnc": "the IANA name for VNC is \"rfb\" (5900)",
    "smb": "the IANA name for SMB is \"microsoft-ds\" (445)",
    "http-alt": "IANA assigns \"http-alt\" to 591, 8008 and 8080: write the port number",
    "x11": "IANA assigns \"x11\" to 6000-6063: write the port number or range",
}


def _load(table: str) -> dict:
    services = {}
    for line in table.strip().splitlines():
        name, port, *protocols = line.split()
        ports = services.setdefault(name, {})
        for proto in protocols:
            ports[proto] = int(port)
    for alias, name in ALIASES.items():
        services.setdefault(alias, services[name])
    return services


SERVICES = _load(_TABLE)


def service_ports(name: str) -> dict:
    """``{"tcp": 22, "udp": 22}`` for a service name (case-insensitive); ``{}`` when unknown."""
    return dict(SERVICES.get(name.strip().lower(), {}))


def service_names() -> list:
    """Every name the table knows, sorted (for "did you mean" hints)."""
    return sorted(SERVICES)

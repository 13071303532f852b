# TAP::Harness for test/run (prove --harness TAP::Harness::DraftMode): the plain harness, plus a
# record of every skip, so a skipped suite can never pass unnoticed. Each skipped test
# (`ok N # SKIP why`) and each skipped file (`1..0 # SKIP why`) is appended as one line
# "FILE: why" to the file named by DRAFT_MODE_SKIP_LOG; test/run reads it after prove and fails
# the run under CI, or prints it loudly elsewhere.
package TAP::Harness::DraftMode;
use strict;
use warnings;
use parent 'TAP::Harness';

sub make_parser {
    my ( $self, $job ) = @_;
    my ( $parser, $session ) = $self->SUPER::make_parser($job);
    my $log = $ENV{DRAFT_MODE_SKIP_LOG} or return ( $parser, $session );
    my $file = $job->description;
    my $record = sub {
        my ($why) = @_;
        open my $out, '>>', $log or die "cannot append to $log: $!";
        print {$out} "$file: ", ( defined $why && length $why ? $why : '(no reason given)' ), "\n";
        close $out;
    };
    $parser->callback( test => sub { my $r = shift; $record->( $r->explanation ) if $r->has_skip } );
    $parser->callback(
        plan => sub { my $r = shift; $record->( $r->explanation ) if ( $r->directive // '' ) eq 'SKIP' } );
    return ( $parser, $session );
}

1;

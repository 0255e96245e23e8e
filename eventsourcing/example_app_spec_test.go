package eventsourcing_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/decider/spec"
	"github.com/eventgraph/eventgraph/eventsourcing/projectionspec"
)

// The Example's account rules as given-when-then specs: what the README's snippet shows.
func TestAccountDecider(t *testing.T) {
	accounts := accountDecider()
	opened := accountOpened{ID: "a"}
	t.Run("an account opens once", func(t *testing.T) {
		spec.For(t, accounts).When(openAccount{ID: "a"}).Then(opened)
		spec.For(t, accounts).Given(opened).When(openAccount{ID: "a"}).ThenError(decider.ErrAlreadyExists)
	})
	t.Run("an account that was never opened takes no command", func(t *testing.T) {
		spec.For(t, accounts).When(deposit{ID: "a", Amount: 5}).ThenError(decider.ErrNotFound)
		spec.For(t, accounts).When(withdraw{ID: "a", Amount: 5}).ThenError(decider.ErrNotFound)
	})
	t.Run("a deposit must be positive", func(t *testing.T) {
		spec.For(t, accounts).Given(opened).When(deposit{ID: "a", Amount: 0}).ThenInvalid("amount")
		spec.For(t, accounts).Given(opened).When(deposit{ID: "a", Amount: 5}).Then(deposited{ID: "a", Amount: 5})
	})
	t.Run("input is checked before existence", func(t *testing.T) {
		spec.For(t, accounts).When(deposit{ID: "a", Amount: 0}).ThenInvalid("amount")
	})
	t.Run("a withdrawal over the balance is declined", func(t *testing.T) {
		spec.For(t, accounts).Given(opened, deposited{ID: "a", Amount: 5}).
			When(withdraw{ID: "a", Amount: 9}).Then(withdrawalDeclined{ID: "a", Amount: 9})
		spec.For(t, accounts).Given(opened, deposited{ID: "a", Amount: 5}, withdrawn{ID: "a", Amount: 5}).
			When(withdraw{ID: "a", Amount: 1}).Then(withdrawalDeclined{ID: "a", Amount: 1})
	})
	t.Run("a withdrawal within the balance is made", func(t *testing.T) {
		spec.For(t, accounts).Given(opened, deposited{ID: "a", Amount: 5}).
			When(withdraw{ID: "a", Amount: 5}).Then(withdrawn{ID: "a", Amount: 5})
	})
}

func TestWelcomeBonus(t *testing.T) {
	spec.ForSaga(t, welcomeBonus()).When(accountOpened{ID: "a"}).Then(deposit{ID: "a", Amount: 10})
	spec.ForSaga(t, welcomeBonus()).When(deposited{ID: "a", Amount: 10}).Then()
}

// The Example's read model, fed a log as the Runner feeds it: other aggregates' events
// and the declined withdrawals it ignores included.
func TestBalances(t *testing.T) {
	newBalances := func() *balances { return &balances{codec: accountCodec(), m: map[string]int{}} }
	ofA := func(b *balances) int { return b.of("a") }
	opened := projectionspec.For(t, newBalances, accountCodec(), ofA).Given("account-a", accountOpened{ID: "a"})
	t.Run("deposits and withdrawals move the balance", func(t *testing.T) {
		opened.In(t).Given("account-a", deposited{ID: "a", Amount: 5}, withdrawn{ID: "a", Amount: 2}).Then(3)
	})
	t.Run("a declined withdrawal leaves it", func(t *testing.T) {
		opened.In(t).Given("account-a", deposited{ID: "a", Amount: 5}, withdrawalDeclined{ID: "a", Amount: 9}).Then(5)
	})
	t.Run("other accounts and other aggregates' events leave it", func(t *testing.T) {
		opened.In(t).Given("account-b", accountOpened{ID: "b"}, deposited{ID: "b", Amount: 7}).
			GivenRaw("card-1", "CardIssued", []byte(`{"id":"1"}`)).Then(0)
	})
}

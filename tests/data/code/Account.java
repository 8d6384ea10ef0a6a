package org.example.bank;

import java.math.BigDecimal;
import java.util.Objects;

public class Account {
    private String owner;
    private BigDecimal balance = BigDecimal.ZERO;

    public String getOwner() {
        return owner;
    }

    public void setOwner(String owner) {
        this.owner = owner;
    }

    public BigDecimal getBalance() {
        return balance;
    }

    public void setBalance(BigDecimal balance) {
        this.balance = balance;
    }

    public void withdraw(BigDecimal amount) {
        if (amount.signum() <= 0) {
            throw new IllegalArgumentException("withdraw a positive amount");
        }
        if (balance.compareTo(amount) < 0) {
            throw new IllegalStateException("insufficient funds: " + balance + " < " + amount);
        }
        balance = balance.subtract(amount);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (o == null || getClass() != o.getClass()) return false;
        Account account = (Account) o;
        return Objects.equals(owner, account.owner) && Objects.equals(balance, account.balance);
    }

    @Override
    public int hashCode() {
        return Objects.hash(owner, balance);
    }

    public static void main(String[] args) {
        Account a = new Account();
        a.setOwner(args.length > 0 ? args[0] : "nobody");
        System.out.println(a.getOwner());
    }
}
